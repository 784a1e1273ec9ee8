#pragma once
/// The options several commands share, registered once per group into one plain struct
/// (CommonOptions), and what follows from them: the colour decision, text options, progress
/// and the cache directory. `--help` lists the groups in the order add_common_options() adds them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "report/render.hpp"
#include "report/suppress.hpp"
#include "scenario/scratch_root.hpp"

namespace ofsck::cli {

/// Options shared by check, explain, image, upgrade and whatif (modinfo shares --format).
struct CommonOptions {
  scenario::NodeInputs node;  ///< the node to inspect, how it is read, what is asked
  std::string format = "text";
  std::string color = "auto";
  std::string cmdline;
  bool cmdline_set = false;
  bool verbose = false;
  bool quiet = false;
  std::string cache_dir;
  bool no_cache = false;
  bool format_set = false, color_set = false, trust_set = false;  ///< given on the command line
  // Suppression (add_suppress_options); load_config() resolves them.
  std::string config;               ///< --config FILE (default: <root>/etc/ofsck/ofsck.conf)
  std::vector<std::string> ignore;  ///< --ignore RULE[:SUBJECT]
  std::string baseline;             ///< --baseline FILE (or the config's `baseline =`)
  std::string write_baseline;       ///< --write-baseline FILE
  bool update_baseline = false;     ///< --update-baseline: write --baseline's FILE
  std::vector<report::IgnoreRule> ignore_rules;   ///< --ignore and `ignore =`, parsed
  std::optional<report::Baseline> baseline_read;  ///< --baseline's entries
};

/// --root, -k/--kernel, --symvers, --system-map, --cmdline, --trust: the node to inspect.
void add_node_options(CLI::App* sub, CommonOptions& c);
/// -j/--jobs, --no-verify-content, --cache-dir, --no-cache: how the node is read.
void add_reader_options(CLI::App* sub, CommonOptions& c);
/// --format text|json.
CLI::Option* add_format_option(CLI::App* sub, std::string& format);
/// --format, --color, -v/--verbose, -q/--quiet: how the report is written.
void add_output_options(CLI::App* sub, CommonOptions& c);
/// --ignore RULE[:SUBJECT], --config FILE, --baseline FILE, --write-baseline FILE,
/// --update-baseline: which findings are reported.
void add_suppress_options(CLI::App* sub, CommonOptions& c);
/// The four groups above, in that order.
void add_common_options(CLI::App* sub, CommonOptions& c);

/// Applies --cmdline, the cache directory and progress (stderr on a TTY, unless -q) to c.node.
void finish_options(CommonOptions& c);

/// Reads the configuration file (--config FILE, else <root>/etc/ofsck/ofsck.conf when it
/// exists) into `c` where the command line left a value unset (--ignore adds to the file's
/// `ignore` lines), parses the ignore rules and reads the baseline. 0, or the exit status of
/// the error it printed: 2 for a bad configuration file or --ignore, 3 for an unreadable
/// baseline.
int load_config(CommonOptions& c);

/// Writes the baseline when asked (--write-baseline FILE, or --update-baseline: --baseline's
/// FILE; atomically: a temporary file renamed over it) from r.findings as they are after
/// --ignore, then takes out of `r` what --ignore and the baseline match (report/suppress).
/// 0, or kExitInput when the baseline cannot be written.
int apply_suppression(const CommonOptions& c, check::CheckResult& r);

/// Writes `data` to `path` atomically: util/atomic_file.hpp's write_file_atomically().
Result<void> write_atomically(const std::string& path, std::string_view data);

/// --baseline's entries, or nullptr.
const report::Baseline* baseline_of(const CommonOptions& c);

/// Before/after commands (whatif, upgrade) and explain read a baseline but never write one:
/// kExitUsage, after the message, when --write-baseline or --update-baseline was given.
int refuse_baseline_writing(const CommonOptions& c, std::string_view command);

/// --color: "always", "never", or "auto": stdout is a TTY and NO_COLOR is not set.
bool use_color(std::string_view color);
/// The text renderers' options from --color and --verbose (notes shown).
report::TextOptions text_options(const CommonOptions& c);

}  // namespace ofsck::cli
