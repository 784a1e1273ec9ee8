#pragma once
/// Subcommands. Each registers its options on the CLI11 app and runs when chosen.
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "check/check_tree.hpp"

namespace ofsck::cli {

inline constexpr int kExitOk = 0, kExitFindings = 1, kExitUsage = 2, kExitInput = 3;

/// Options shared by check, explain and depmod.
struct CommonOptions {
  check::CheckOptions check;
  std::string format = "text";
  std::string color = "auto";
  std::string cmdline;
  bool cmdline_set = false;
  bool verbose = false;
  bool quiet = false;
  std::string cache_dir;
  bool no_cache = false;
};

class Command {
 public:
  virtual ~Command() = default;
  virtual void setup(CLI::App& app) = 0;
  virtual int run() = 0;
  bool parsed() const { return sub_ && sub_->parsed(); }

 protected:
  CLI::App* sub_ = nullptr;
};

std::vector<std::unique_ptr<Command>> make_commands(CommonOptions& common);

/// Adds --root/--kernel/--symvers/... to a subcommand.
void add_common_options(CLI::App* sub, CommonOptions& c);
/// Maps a prepare() error to an exit code after printing it.
int report_error(const Error& e);
/// Applies --cmdline and progress (TTY only) to c.check.
void finish_options(CommonOptions& c);
/// Writes a rendered report (text or JSON) to stdout through report::terminal_safe(): no byte
/// that could drive a terminal, other than the report's own newlines and colours, gets out.
void write_text(std::string_view out);

}  // namespace ofsck::cli
