#pragma once
/// Shell completion scripts made from the CLI11 command table itself (the options `--help`
/// lists, their value choices), so they follow every option added to a command.
/// `ofsck --completion bash|zsh` prints them at build time.
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace ofsck::cli {

/// The bash (`complete -F`) or zsh (`#compdef`) script; "" for another shell name.
std::string completion_script(const CLI::App& app, std::string_view shell);

}  // namespace ofsck::cli
