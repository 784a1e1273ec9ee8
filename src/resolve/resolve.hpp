#pragma once
/// Whole-tree resolution as kmod 30 depmod performs it: scan, winner per name, module order,
/// symbol table, dependency edges with depmod's -e/-E warnings, topological sort, modules.dep.
/// Everything here is plain data for the checker.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/config.hpp"
#include "model/module.hpp"
#include "model/symbols.hpp"
#include "read/module_reader.hpp"
#include "read/parallel.hpp"
#include "resolve/select.hpp"
#include "resolve/tree_scan.hpp"
#include "util/result.hpp"

namespace ofsck::resolve {

/// The record resolve_tree() holds for paths[i] once the sink took it (nullptr when reading it
/// failed): a reader that keeps a cache serialises from there instead of holding a copy.
using StoredRecord = std::function<const model::ModuleFile*(size_t index)>;

/// Reads module files, handing the record of paths[i] to the sink as index i. All module
/// reading in resolve goes through this one function, so a persistent cache of ModuleFile
/// records can be slotted in here.
using ModuleReader = std::function<void(const std::vector<std::string>& paths,
                                        const read::ModuleSink& sink, const StoredRecord& stored)>;

/// What to resolve.
struct ResolveInput {
  std::string root;                     ///< inspected image root ("" or "/" = the live system)
  std::string moddir = "/lib/modules";  ///< or "/usr/lib/modules"
  std::string kver;
  model::DepmodConfig config;
  std::optional<model::Symvers> symvers;  ///< Module.symvers (-E) or System.map (-F) layout
  /// When set, called once the modules are read, instead of using `symvers`: the caller can
  /// parse the export list while the tree is read. The pointee must outlive resolve_tree().
  std::function<const std::optional<model::Symvers>*()> await_symvers;
  bool reroot_externals = true;    ///< true: externals live under root (the image as it boots);
                                   ///< false: literal paths, exactly like `depmod -b`
  bool gzip_supported = false;     ///< kmod built with zlib (Debian 12 kmod 30: false)
  unsigned threads = 0;            ///< 0 = hardware concurrency (used by the default reader)
  read::ReadOptions read_options;  ///< for the default reader
  ModuleReader reader;             ///< module reading hook; empty = read::read_modules_parallel()
};

/// One entry of depmod's symbol table (last writer wins, like kmod's hash_add()).
struct Symbol {
  enum class Source { kVmlinux, kFake, kModule };
  Source source = Source::kVmlinux;
  uint64_t crc = 0;
  int owner = -1;                 ///< Resolution::modules index; -1 for vmlinux and fake symbols
  std::vector<int> shadowed;      ///< earlier module owners this entry replaced (array order)
  bool shadowed_vmlinux = false;  ///< a module export replaced a vmlinux/fake entry
};

struct SymbolTable {
  std::unordered_map<std::string, Symbol> symbols;
  bool have_kernel_symbols = false;  ///< -E or -F given: vmlinux + fake symbols present
  bool check_crcs = false;           ///< -E given: CRCs compared
};

/// A warning `depmod -e -E` prints for one import.
struct DepWarning {
  enum class Kind { kUnknownSymbol, kCrcMismatch };
  Kind kind = Kind::kUnknownSymbol;
  int module = -1;  ///< importer (Resolution::modules index)
  std::string symbol;
  uint64_t expected_crc = 0;  ///< the importer's __versions CRC (0 when it has none)
  uint64_t actual_crc = 0;    ///< the table's CRC (kCrcMismatch)
  int owner = -1;             ///< exporter module, -1 = vmlinux (kCrcMismatch)
  std::string kmod_message;   ///< "depmod: WARNING: <path> needs unknown symbol <sym>" etc.
};

/// One winner, in depmod's array order (= modules.dep line order).
struct ResolvedModule {
  std::string name;
  uint32_t file = 0;     ///< Resolution::files index
  std::string dep_path;  ///< how modules.dep spells it (relative, or absolute external)
  int order_index = 0;   ///< depmod sort_idx: negative = listed in modules.order, 1 = not
  std::optional<model::ModuleFile> module;  ///< empty when reading failed
  std::optional<Error> read_error;
};

/// Dependencies of one module.
struct ModuleDeps {
  std::vector<int> direct;  ///< owners of imported symbols, sorted by topological index
  std::vector<int> all;     ///< transitive closure in modules.dep order
  int topo_index = -1;      ///< depmod dep_sort_idx; -1 when in or behind a cycle
};

struct Resolution {
  std::string kmod_dirname;             ///< depmod's cfg->dirname
  std::vector<ScannedFile> files;       ///< every candidate, discovery order
  std::vector<Selection> selections;    ///< one per name, first-discovery order
  std::vector<ResolvedModule> modules;  ///< winners, depmod array order
  std::unordered_map<std::string, int> module_by_name;
  SymbolTable symbols;
  std::vector<ModuleDeps> deps;             ///< parallel to modules
  std::vector<DepWarning> warnings;         ///< depmod's order (module array order, import order)
  std::vector<std::string> cycle_messages;  ///< "Cycle detected: a -> b -> a", then "Found N ..."
  std::vector<Problem> problems;
};

/// Runs the whole resolution. Fails only when the module dir cannot be opened; everything
/// tolerated becomes a Problem.
[[nodiscard]] Result<Resolution> resolve_tree(const ResolveInput& input);

/// modules.dep exactly as `depmod -n` prints it ("" when depmod would stop on a cycle).
std::string render_modules_dep(const Resolution& r);

}  // namespace ofsck::resolve
