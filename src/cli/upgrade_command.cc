// `ofsck upgrade --to KVER|KERNEL-PACKAGE…`: which out-of-tree modules survive a kernel update
// (check/upgrade.hpp).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "scenario/upgrade.hpp"
#include "cli/commands.hpp"
#include "report/escape.hpp"
#include "report/upgrade.hpp"

namespace ofsck::cli {

namespace {

class UpgradeCommand : public Command {
 public:
  explicit UpgradeCommand(CommonOptions& c) : c_(c) {}
  void setup(CLI::App& app) override {
    sub_ = app.add_subcommand(
        "upgrade",
        "Before a kernel update: for every module not built with the current kernel (updates/, "
        "extra/, weak-updates/, externals), say whether it loads on the target kernel as is, "
        "would load if linked into its weak-updates/, or must be rebuilt (against which headers)");
    add_common_options(sub_, c_);
    sub_->add_option("--to", to_,
                     "Target: a kernel release installed under the root, or kernel package "
                     "files (.deb/.rpm, repeatable: image + headers) laid over a private "
                     "overlay of the root (nothing on disk changes)");
    sub_->add_option("--kabi-list", o_.kabi_list,
                     "kABI stablelist/whitelist (default: <root>/lib/modules/kabi-current/"
                     "kabi_stablelist_<arch> or kabi_whitelist_<arch> when present)");
  }
  int run() override {
    finish_options(c_);
    if (to_.empty()) {
      std::fprintf(stderr, "ofsck: error: upgrade needs --to KVER or --to KERNEL-PACKAGE\n");
      return kExitUsage;
    }
    // A package is a .deb/.rpm name or an existing regular file; anything else is a release.
    for (const auto& t : to_) {
      struct stat st;
      bool file = t.ends_with(".deb") || t.ends_with(".rpm") ||
                  (stat(t.c_str(), &st) == 0 && S_ISREG(st.st_mode));
      if (file) {
        o_.to_packages.push_back(t);
      } else if (o_.to.empty() || o_.to == t) {
        o_.to = t;
      } else {
        std::fprintf(stderr, "ofsck: error: --to names two kernel releases: %s and %s\n",
                     report::escape(o_.to).c_str(), report::escape(t).c_str());
        return kExitUsage;
      }
    }
    o_.check = c_.check;
    auto r = check::plan_upgrade(o_);
    if (!r) return report_error(r.error());
    bool color = c_.color == "always" ||
                 (c_.color == "auto" && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr);
    std::string out = c_.format == "json"
                          ? report::render_upgrade_json(*r)
                          : report::render_upgrade_text(*r, {color, c_.verbose, true});
    write_text(out);
    return r->any_unloadable ? kExitFindings : kExitOk;
  }

 private:
  CommonOptions& c_;
  check::UpgradeOptions o_;
  std::vector<std::string> to_;  ///< --to values: releases and package files
};

}  // namespace

std::unique_ptr<Command> make_upgrade_command(CommonOptions& c) {
  return std::make_unique<UpgradeCommand>(c);
}

}  // namespace ofsck::cli
