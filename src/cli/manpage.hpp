#pragma once
/// Manual pages in roff, made from the CLI11 command table itself: the same descriptions,
/// option lines (through CLI11's own Formatter) and footer that `--help` prints, so a page
/// cannot say something `--help` does not. `ofsck --help-man DIR` writes them at build time.
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace ofsck::cli {

/// ofsck(8) for `app` when `sub` is null, else ofsck-NAME(8) for the subcommand `sub`.
std::string man_page(const CLI::App& app, const CLI::App* sub, std::string_view version);

/// Writes ofsck.8 and one ofsck-NAME.8 per subcommand into `dir` (created if missing).
/// Returns "" or a message naming the file that could not be written.
std::string write_man_pages(const CLI::App& app, const std::string& dir, std::string_view version);

}  // namespace ofsck::cli
