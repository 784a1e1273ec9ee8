#pragma once
/// The module-tree walk of kmod 30 `depmod_modules_search()`: raw readdir() order, depth-first
/// pre-order, symlinks followed with fstatat(), "build"/"source"/exclude names skipped at any
/// depth.
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.hpp"
#include "model/module.hpp"
#include "util/result.hpp"

namespace ofsck::resolve {

/// What kind of tolerated-but-wrong input the resolver met. Each becomes a Finding upstream.
enum class ProblemKind {
  kScanError,              ///< opendir/fstatat/openat failed (depmod: ERR and skip)
  kUnsupportedFileType,    ///< neither regular file nor directory (depmod: "unsupported file type")
  kSymlinkLoop,            ///< a directory symlink leads back to an ancestor (depmod would recurse)
  kIgnoredCompression,     ///< a .ko.gz while kmod has no zlib: invisible to depmod and modprobe
  kOverrideMatchesNoFile,  ///< an override whose <subdir>/<modname> names no scanned file
  kOverrideNeverDecided,   ///< an override that matches a file but never decided a comparison
  kOverrideKverMismatch,   ///< an override/external whose kernel pattern does not match (kmod INF)
  kTieReaddirOrder,        ///< the winner for a name depends on readdir() order
  kExternalMissing,        ///< an `external` directory that does not exist
  kModuleReadError,        ///< a winner could not be read (depmod keeps it, without deps)
  kModulesOrderCorrupt,    ///< modules.order line without '\n': depmod skips sorting entirely
  kModulesOrderMissing,    ///< no modules.order: depmod keeps its hash-table order
  kModulesOrderLine,       ///< a modules.order line depmod skips (e.g. starts with NUL)
  kDependencyCycle,        ///< depmod: "Cycle detected: a -> b -> a"; no index is written
};

/// One problem found while resolving; plain data.
struct Problem {
  ProblemKind kind = ProblemKind::kScanError;
  SourceRef where;           ///< config line or file the problem is about
  std::string subject;       ///< module name or path
  std::string message;       ///< our wording
  std::string kmod_message;  ///< what depmod prints for it, empty if depmod is silent
};

/// One candidate module file found by the walk, in discovery order.
struct ScannedFile {
  std::string path;       ///< physical path to open (on the inspected root)
  std::string kmod_path;  ///< the path as depmod sees and prints it (see ScanOptions::kmod_dirname)
  std::string relpath;    ///< relative to the module dir; the absolute kmod_path for externals
  std::string dir;        ///< relative dir without trailing '/' ("" at top); absolute for externals
  std::string stem;       ///< raw basename up to the first '.' (what overrides compare against)
  std::string name;       ///< normalised module name (model::module_name_from_filename)
  model::Compression compression = model::Compression::kNone;
  int external = -1;    ///< index into DepmodConfig::externals, -1 = the module dir
  uint32_t seq = 0;     ///< discovery index (readdir order over the whole walk)
  size_t base_off = 0;  ///< offset of the basename inside kmod_path (after the last '/')
};

/// Inputs of the walk.
struct ScanOptions {
  std::string module_dir;    ///< physical <root><moddir>/<kver>
  std::string kmod_dirname;  ///< depmod's cfg->dirname: how module-dir paths are spelled
  std::string root;          ///< physical prefix for externals when reroot_externals
  bool reroot_externals = true;
  bool gzip_supported = false;  ///< kmod built with zlib (Debian 12 kmod 30: no)
  const model::DepmodConfig* config = nullptr;
};

struct ScanResult {
  std::vector<ScannedFile> files;  ///< discovery order
  std::vector<Problem> problems;
};

/// Walks the module dir, then every kver-matching external dir in depmod's (reversed) order.
/// Fails only when the module dir itself cannot be opened (depmod: CRIT, exit 1).
[[nodiscard]] Result<ScanResult> scan_tree(const ScanOptions& opts);

}  // namespace ofsck::resolve
