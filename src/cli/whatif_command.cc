// `ofsck whatif`: what installing/removing packages would change (check/whatif.hpp).
#include <unistd.h>

#include <cstdio>

#include "scenario/whatif.hpp"
#include "cli/commands.hpp"
#include "report/whatif.hpp"

namespace ofsck::cli {

namespace {

class WhatifCommand : public Command {
 public:
  explicit WhatifCommand(CommonOptions& c) : c_(c) {}
  void setup(CLI::App& app) override {
    sub_ = app.add_subcommand(
        "whatif",
        "Check the root as it would be after installing packages (.deb, .rpm, a directory) "
        "and removing installed ones, without changing anything; print the findings the "
        "change introduces and fixes, and the modules whose verdict changes");
    add_common_options(sub_, c_);
    sub_->add_option("--install", o_.install,
                     "Package file (.deb, .rpm) or directory tree laid over the root; repeatable");
    sub_->add_option("--remove", o_.remove,
                     "Installed package (dpkg or RPM database of the root) whose files go away; "
                     "repeatable");
  }
  int run() override {
    finish_options(c_);
    if (o_.install.empty() && o_.remove.empty()) {
      std::fprintf(stderr, "ofsck: error: whatif needs --install or --remove\n");
      return kExitUsage;
    }
    o_.check = c_.check;
    auto r = check::run_whatif(o_);
    if (!r) return report_error(r.error());
    bool color = c_.color == "always" ||
                 (c_.color == "auto" && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr);
    std::string out = c_.format == "json"
                          ? report::render_whatif_json(*r)
                          : report::render_whatif_text(*r, {color, c_.verbose, true});
    write_text(out);
    for (const auto& k : r->kernels)
      for (const auto& f : k.introduced)
        if (f.severity == check::Severity::kError) return kExitFindings;
    return kExitOk;
  }

 private:
  CommonOptions& c_;
  check::WhatifOptions o_;
};

}  // namespace

std::unique_ptr<Command> make_whatif_command(CommonOptions& c) {
  return std::make_unique<WhatifCommand>(c);
}

}  // namespace ofsck::cli
