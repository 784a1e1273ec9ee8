#pragma once
namespace ofsck::cli {
/// Parses argv, runs the chosen subcommand, returns the process exit code (docs/exit-codes).
int run(int argc, char** argv);
}  // namespace ofsck::cli
