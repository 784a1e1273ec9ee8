// `ofsck upgrade --to KVER|KERNEL-PACKAGE…`: which out-of-tree modules survive a kernel update
// (scenario/upgrade.hpp).
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "check/boot_kernel.hpp"
#include "check/rules.hpp"
#include "cli/commands.hpp"
#include "report/escape.hpp"
#include "report/suppress.hpp"
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

/// --ignore and --baseline over the findings (the baseline's entries as `check` writes them:
/// paths cut at the root). A module whose verdict finding (OFS501 rebuild, OFS502 link) is
/// suppressed is accepted: marked so, and it fails no check (UpgradeReport::any_unloadable
/// then counts only the modules left).
void suppress_upgrade(const CommonOptions& c, check::UpgradeReport& r) {
  auto verdict_key = [](std::string_view rule, const std::string& subject) {
    return (rule == check::kUpgradeRebuild || rule == check::kUpgradeLink)
               ? std::string(rule) + ':' + subject
               : std::string();
  };
  std::set<std::string> before, after;
  for (const auto& f : r.findings) before.insert(verdict_key(f.rule, f.subject));
  report::suppress(r.findings, r.root, c.ignore_rules, baseline_of(c), r.suppressed);
  for (const auto& f : r.findings) after.insert(verdict_key(f.rule, f.subject));
  r.any_unloadable = false;
  for (auto& m : r.modules) {
    const std::string k =
        verdict_key(m.needs_rebuild ? check::kUpgradeRebuild : check::kUpgradeLink, m.name);
    m.suppressed = before.count(k) && !after.count(k);
    r.any_unloadable |= m.needs_rebuild && !m.suppressed;
  }
}

}  // namespace

int run_upgrade(Args& a) {
  finish_options(a.common);
  if (int rc = refuse_baseline_writing(a.common, "upgrade")) return rc;
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
  suppress_upgrade(a.common, *r);
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
