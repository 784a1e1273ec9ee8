#pragma once
/// Config file collection exactly as kmod does it: depmod's cfg_files_list() /
/// cfg_files_insert_sorted() and libkmod's conf_files_list() / conf_files_insert_sorted().
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "read/text/text_util.hpp"
#include "util/result.hpp"

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

/// Parses one config file's text into the caller's config.
using ConfigParser = std::function<void(std::string_view data, const model::ConfigFile& file)>;
/// The problem reported for a collected file that cannot be read (`error` names why).
using UnreadableConfig =
    std::function<model::ConfigProblem(const model::ConfigFile& file, const Error& error)>;

/// The loader both kmod consumers share (depmod's cfg_load(), libkmod's kmod_config_new()):
/// collects the files of `paths` (empty: default_config_dirs() of opts.flavor and
/// opts.kmod_version), then reads each in parse order and hands its text to `parse`; a file
/// that cannot be read becomes the problem `unreadable` makes. Appends every collected file,
/// read or not, to `files` and the directory problems, then the unreadable ones, to `problems`
/// (`parse` appends its own problems in between, in file order).
void load_config_files(std::string_view root, const std::vector<std::string>& paths,
                       const CollectOptions& opts, std::vector<model::ConfigFile>& files,
                       std::vector<model::ConfigProblem>& problems, const ConfigParser& parse,
                       const UnreadableConfig& unreadable);

/// The line loop both parsers share (depmod's cfg_file_parse(), libkmod's
/// kmod_config_parse()) over split_wrapped_lines(): next() moves to the next line that is not
/// empty and not a '#' comment, after reporting a NUL byte in any line as a "nul-byte" problem
/// (kmod sees a line only up to its first NUL). tok() then tokenizes what kmod sees.
class ConfigLines {
 public:
  ConfigLines(std::string_view data, const model::ConfigFile& file,
              std::vector<model::ConfigProblem>& problems);
  /// False after the last line.
  bool next();
  const LogicalLine& line() const { return lines_[at_ - 1]; }
  Strtok& tok() { return tok_; }

 private:
  const model::ConfigFile& file_;
  std::vector<model::ConfigProblem>& problems_;
  std::vector<LogicalLine> lines_;
  size_t at_ = 0;  ///< one past the current line
  Strtok tok_{{}};
};

}  // namespace ofsck::read
