#pragma once
/// modprobe on a prepared root: resolve/modprobe's lookup and probe list over the root's
/// modprobe.d, the resolved tree (modules.dep, modules.symbols, modules.softdep as depmod writes
/// them now) and the indexes prepare() read (modules.alias, modules.builtin[.modinfo]:
/// ReadSettings::modprobe_indexes). The one place `check --only`, the softdep closure and
/// `image` take "what modprobe loads" from. Opens no file.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "check/check_tree.hpp"
#include "resolve/modprobe.hpp"

namespace ofsck::check {

/// The modprobe index of one prepared root. Not copyable: the index's loaders point into it.
class ModprobeView {
 public:
  /// With `keep_on_disk_softdep` the root's modules.softdep is used as it is (an initramfs
  /// image's own index); by default it is replaced by what depmod writes for the tree now, as
  /// modules.dep is. Throws std::logic_error (a caller's mistake) when `p` was prepared without
  /// ReadSettings::modprobe_indexes.
  explicit ModprobeView(const Node& p, bool keep_on_disk_softdep = false);
  ModprobeView(const ModprobeView&) = delete;
  ModprobeView& operator=(const ModprobeView&) = delete;

  [[nodiscard]] const resolve::ModprobeIndex& index() const { return ix_; }
  /// Where modules.alias entries came from.
  [[nodiscard]] const std::string& alias_source() const;
  /// modules.builtin / modules.builtin.modinfo as read.
  [[nodiscard]] const resolve::BuiltinIndex& builtin() const;

 private:
  const Node& p_;
  resolve::ModprobeIndex ix_;
  mutable std::unordered_map<std::string, std::vector<std::string>> deps_;
};

/// modules.alias: the index modprobe reads when depmod wrote one, else what depmod would write
/// from the modules' alias= fields (read from the files: the tree check skips them). `source`
/// says which. Reads files: prepare() (ReadSettings::modprobe_indexes) calls it.
[[nodiscard]] std::vector<model::ModprobeAlias> load_aliases(const Node& p, std::string& source);
/// modules.builtin and modules.builtin.modinfo of the node. Reads files, like load_aliases().
[[nodiscard]] resolve::BuiltinIndex load_builtin(const Node& p);

/// What `modprobe NAME` does on the prepared root.
struct ModprobeTarget {
  resolve::ProbeList probe;
  std::vector<size_t> modules;  ///< Resolution::modules indices of the probe list, in order
};

/// `modprobe NAME`: the lookup (modprobe.d alias first, then modules.dep, …, built-in) and the
/// probe list with every softdep resolved through the same lookup.
[[nodiscard]] ModprobeTarget modprobe_target(const ModprobeView& view, const Node& p,
                                             const std::string& name);

/// What `modprobe NAME` reports before any insert, as findings: OFS305 when the lookup finds
/// nothing, or a modprobe.d alias names a module that is not in the tree; OFS306 (a note) for
/// a built-in module, which modprobe accepts with nothing to insert.
[[nodiscard]] std::vector<Finding> lookup_findings(const Node& p, const ModprobeView& view,
                                                   const std::string& name,
                                                   const ModprobeTarget& target);

/// The softdep `pre:`/`post:` line modprobe uses for `module` on this root (kmod 30..34: the
/// first matching line; see resolve/modprobe.hpp), nullptr when none.
[[nodiscard]] const model::ModprobeSoftdep* modprobe_softdep_line(const ModprobeView& view,
                                                                  const std::string& module);

}  // namespace ofsck::check
