// `ofsck upgrade --to KVER|KERNEL-PACKAGE…`: which out-of-tree modules survive a kernel update
// (scenario/upgrade.hpp).
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "check/boot_kernel.hpp"
#include "cli/commands.hpp"
#include "report/escape.hpp"
#include "report/upgrade.hpp"

namespace ofsck::cli {

namespace {

/// Sorts the --to values into o.to and o.to_packages: a package is a .deb/.rpm name or an
/// existing regular file, anything else a release. False (after the message) for two releases.
bool split_targets(const std::vector<std::string>& to, check::UpgradeOptions& o) {
  for (const auto& t : to) {
    if (t.ends_with(".deb") || t.ends_with(".rpm") || is_regular_file(t)) {
      o.to_packages.push_back(t);
    } else if (o.to.empty() || o.to == t) {
      o.to = t;
    } else {
      std::fprintf(stderr, "ofsck: error: --to names two kernel releases: %s and %s\n",
                   report::escape(o.to).c_str(), report::escape(t).c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int run_upgrade(Args& a) {
  finish_options(a.common);
  std::optional<check::BootKernel> defaulted;
  if (a.upgrade_to.empty()) {  // the kernel the boot loader starts next
    auto next = check::next_boot_kernel(a.common.node.spec.root);
    if (!next) return report_error(next.error());
    defaulted = std::move(*next);
    a.upgrade_to.push_back(defaulted->release);
    std::fprintf(stderr, "ofsck: note: --to %s (%s)\n", report::escape(defaulted->release).c_str(),
                 report::escape(defaulted->reason).c_str());
  }
  if (!split_targets(a.upgrade_to, a.upgrade)) return kExitUsage;
  a.upgrade.node = a.common.node;
  auto r = check::plan_upgrade(a.upgrade);
  if (!r && defaulted && r.error().message.find("is the current kernel") != std::string::npos)
    return usage_error("the kernel that boots next is the current one: nothing to upgrade to; "
                       "name the target with --to KVER or --to KERNEL-PACKAGE");
  if (!r) return report_error(r.error());
  print_report(a.common, *r, &report::render_upgrade_json, &report::render_upgrade_text);
  return r->any_unloadable ? kExitFindings : kExitOk;
}

void upgrade_options(CLI::App* sub, Args& a) {
  sub->add_option("--to", a.upgrade_to,
                  "Target: a kernel release installed under the root, or kernel package "
                  "files (.deb/.rpm, repeatable: image + headers) laid over a private "
                  "overlay of the root (nothing on disk changes). Default: the kernel the "
                  "boot loader starts next (see check --kernel)");
  sub->add_option("--kabi-list", a.upgrade.kabi_list,
                  "kABI stablelist/whitelist (default: <root>/lib/modules/kabi-current/"
                  "kabi_stablelist_<arch> or kabi_whitelist_<arch> when present)");
}

}  // namespace ofsck::cli
