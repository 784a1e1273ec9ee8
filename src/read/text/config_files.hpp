#pragma once
/// Config file collection exactly as kmod does it: depmod's cfg_files_list() /
/// cfg_files_insert_sorted() and libkmod's conf_files_list() / conf_files_insert_sorted().
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"

namespace ofsck::read {

/// Which kmod consumer's rules apply.
enum class ConfigFlavor { kDepmod, kModprobe };

/// Default config directories on the target system, highest precedence first.
/// kmod ≤31: /etc, /run, /usr/local/lib, /lib; kmod ≥32 inserts /usr/lib (DISTCONFDIR) before
/// /lib. Debian's kmod 34 binary holds exactly these strings (checked with strings(1)).
std::vector<std::string> default_config_dirs(ConfigFlavor flavor, int kmod_version = 30);

/// Inputs for collect_config_files().
struct CollectOptions {
  ConfigFlavor flavor = ConfigFlavor::kDepmod;
  int kmod_version = 30;  ///< 30 = Debian 12; ≥33 drops modprobe's ".alias" and adds weakdep
  /// modprobe only: the kmod dirname on the target (e.g. /lib/modules/6.1.0-47-amd64). When
  /// set, `<dir>/modules.softdep` (and `modules.weakdep` for kmod ≥33) are merged into the list
  /// first, as kmod_config_new() does. Absent files are dropped after the merge.
  std::string module_dir;
};

/// Result of the merge: files in parse order plus directory-level problems.
struct CollectedConfig {
  std::vector<model::ConfigFile> files;        ///< sorted by basename (strcmp)
  std::vector<model::ConfigProblem> problems;  ///< ignored entries, subdirectories, stat errors
};

/// Lists config files like kmod. `paths` are target-system paths (directories or single files,
/// i.e. the default list or the -C arguments), in precedence order; each is read under `root`
/// ("" or "/" = live system). Missing paths are skipped silently (kmod only logs at DBG).
/// Directory entries: dotfiles are skipped, names must be ≥6 bytes and end in ".conf" (modprobe
/// in kmod ≤32 also accepts ".alias"), subdirectories are reported and skipped. A path given
/// as a file is taken regardless of its name. The first file met with a given basename wins;
/// later ones are recorded in ConfigFile::shadowed.
CollectedConfig collect_config_files(std::string_view root, std::span<const std::string> paths,
                                     const CollectOptions& opts);

}  // namespace ofsck::read
