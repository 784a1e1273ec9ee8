#pragma once
/// The options several commands share, registered once per group into one plain struct
/// (CommonOptions), and what follows from them: the colour decision, text options, progress
/// and the cache directory. `--help` lists the groups in the order add_common_options() adds them.
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "report/render.hpp"
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
};

/// --root, -k/--kernel, --symvers, --system-map, --cmdline, --trust: the node to inspect.
void add_node_options(CLI::App* sub, CommonOptions& c);
/// -j/--jobs, --no-verify-content, --cache-dir, --no-cache: how the node is read.
void add_reader_options(CLI::App* sub, CommonOptions& c);
/// --format text|json.
void add_format_option(CLI::App* sub, std::string& format);
/// --format, --color, -v/--verbose, -q/--quiet: how the report is written.
void add_output_options(CLI::App* sub, CommonOptions& c);
/// The three groups above, in that order.
void add_common_options(CLI::App* sub, CommonOptions& c);

/// Applies --cmdline, the cache directory and progress (stderr on a TTY, unless -q) to c.node.
void finish_options(CommonOptions& c);

/// --color: "always", "never", or "auto": stdout is a TTY and NO_COLOR is not set.
bool use_color(std::string_view color);
/// The text renderers' options from --color and --verbose (notes shown).
report::TextOptions text_options(const CommonOptions& c);

}  // namespace ofsck::cli
