#pragma once
/// Build-time outputs that packaging installs, made from the command table: `ofsck --help-man
/// DIR` writes ofsck(8) and ofsck-COMMAND(8); `ofsck --completion bash|zsh` prints the script.
/// Recognised before CLI11 parses argv, and only as the whole command line, so that `--help`
/// and the completions do not list them (a hidden CLI11 option would add a blank line to it).
#include <optional>

#include <CLI/CLI.hpp>

namespace ofsck::cli {

/// The exit code when argv asks for a document (after writing it), nullopt otherwise.
std::optional<int> write_requested_docs(const CLI::App& app, int argc, char** argv);

}  // namespace ofsck::cli
