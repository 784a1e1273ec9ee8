#pragma once
/// `ofsck check`: gather the inputs of one node (root + kernel release), resolve the tree as
/// depmod does, and predict every module's load as the kernel does.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/result.hpp"
#include "model/config.hpp"
#include "model/kernel.hpp"
#include "read/pkgdb/pkgdb.hpp"
#include "resolve/resolve.hpp"
#include "util/result.hpp"

namespace ofsck::check {

struct CheckOptions {
  std::string root = "/";
  std::string kver;                    ///< empty: uname -r for "/", else the only one in root
  std::string symvers;                 ///< --symvers (Module.symvers, .gz/.xz accepted)
  std::string system_map;              ///< --system-map (names only)
  std::optional<std::string> cmdline;  ///< nullopt: /proc/cmdline for "/", else ""
  std::vector<std::string> trust;      ///< --trust certificate files
  std::vector<std::string> only;       ///< --only: limit verdicts to modprobe closures
  std::vector<std::string> files;      ///< positional FILE.ko: predict `insmod FILE`
  unsigned threads = 0;
  bool verify_content = true;          ///< hash module contents to verify signatures
  std::string comm = "modprobe";       ///< process name in lockdown messages
  bool literal_externals = false;      ///< `external` dirs not re-rooted (what depmod -b does)
  bool skip_kernel_image = false;      ///< do not read certificates from the kernel image
  /// Read the image's certificates even when no module of the tree is signed (by default they
  /// are read only when some file carries a signature: no key can change another verdict).
  bool image_keys_always = false;
  std::string cache_dir;               ///< persistent cache of parsed files; empty = no cache
  /// Read the cache as if paths under `cache_alias_from` were under `cache_alias_to`, and never
  /// write it: `whatif` checks an overlay of symlinks to the root's files.
  std::string cache_alias_from, cache_alias_to;
  std::function<void(size_t done, size_t total)> progress;
  /// Package database changes applied in memory when ownership is read (whatif's installed and
  /// removed packages); the databases on disk are never written.
  std::shared_ptr<const read::PackageChanges> package_changes;
};

/// Everything `check`, `explain` and `depmod` share.
struct Prepared {
  std::string root;          ///< normalised root ("" for /)
  std::string module_dir;    ///< <root><moddir>/<kver>
  std::string moddir;        ///< "/lib/modules" or "/usr/lib/modules"
  model::KernelFacts kernel;
  model::DepmodConfig depmod_config;
  model::ModprobeConfig modprobe_config;
  model::KernelCmdline cmdline;
  resolve::Resolution resolution;
  std::vector<Finding> input_findings;  ///< missing symvers, unreadable files, config problems
};

/// Reads every input. Errors: kUsage (several kernels, bad option values) → exit 2;
/// kNotFound/kIo (no module tree) → exit 3.
[[nodiscard]] Result<Prepared> prepare(const CheckOptions& o);

/// Predicts every verdict and finding from prepared inputs.
[[nodiscard]] CheckResult evaluate(const Prepared& p, const CheckOptions& o);

/// Picks the kernel release: `wanted` if given, uname -r for "/", else the only directory in
/// <root>/lib/modules or <root>/usr/lib/modules.
[[nodiscard]] Result<std::string> pick_kernel(const std::string& root, const std::string& wanted);

}  // namespace ofsck::check
