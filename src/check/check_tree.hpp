#pragma once
/// `ofsck check`: evaluate one prepared node (node.hpp): resolve the tree as depmod does, and
/// predict every module's load as the kernel does.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/node.hpp"
#include "check/result.hpp"
#include "model/config.hpp"
#include "model/kernel.hpp"
#include "read/pkgdb/pkgdb.hpp"
#include "resolve/resolve.hpp"
#include "util/result.hpp"

namespace ofsck::check {

/// What evaluate() is asked. None of these changes a single module's verdict.
struct EvalOptions {
  std::vector<std::string> only;  ///< --only: limit verdicts to modprobe closures
  std::string comm = "modprobe";  ///< process name in lockdown messages
  unsigned threads = 0;           ///< compute threads (0: all cores)
};

/// Predicts every verdict and finding of a prepared node. Computes only: opens no file.
[[nodiscard]] CheckResult evaluate(const Node& node, const EvalOptions& eo);

// ---- transition: removed when scenarios use NodeSpec ----------------------------------------

/// transition: removed when scenarios use NodeSpec. The union of NodeSpec, ReadSettings and
/// EvalOptions, plus whatif's package changes.
struct CheckOptions {
  std::string root = "/";
  std::string kver;
  std::string symvers;
  std::string system_map;
  std::optional<std::string> cmdline;
  std::vector<std::string> trust;
  std::vector<std::string> only;
  std::vector<std::string> files;
  unsigned threads = 0;
  bool verify_content = true;
  std::string comm = "modprobe";
  bool literal_externals = false;
  bool skip_kernel_image = false;
  bool image_keys_always = false;
  std::string cache_dir;
  std::string cache_alias_from, cache_alias_to;
  std::function<void(size_t done, size_t total)> progress;
  /// Package database changes applied in memory to the node's packages (whatif's installed
  /// and removed packages); the databases on disk are never written.
  std::shared_ptr<const read::PackageChanges> package_changes;

  [[nodiscard]] NodeSpec node_spec() const;
  [[nodiscard]] ReadSettings read_settings() const;
  [[nodiscard]] EvalOptions eval_options() const;
};

/// transition: removed when scenarios use NodeSpec.
using Prepared = Node;

/// transition: removed when scenarios use NodeSpec. prepare(o.node_spec(), o.read_settings()).
[[nodiscard]] Result<Prepared> prepare(const CheckOptions& o);

/// transition: removed when scenarios use NodeSpec. evaluate(p, o.eval_options()), with
/// o.package_changes applied to a copy of the node's packages.
[[nodiscard]] CheckResult evaluate(const Prepared& p, const CheckOptions& o);

}  // namespace ofsck::check
