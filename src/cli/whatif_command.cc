// `ofsck whatif`: what installing/removing packages would change (scenario/whatif.hpp).
#include <cstdio>

#include "cli/commands.hpp"
#include "report/suppress.hpp"
#include "report/whatif.hpp"

namespace ofsck::cli {

namespace {

/// --ignore applies to both sides: an ignored finding is neither introduced nor fixed. The
/// baseline lists findings accepted earlier: one of them after the change is not new (a fixed
/// one is still listed: the baseline can lose it). Paths are cut at the root as `check`'s
/// baseline entries are, so that its --write-baseline file matches.
void suppress_whatif(const CommonOptions& c, check::WhatifReport& r) {
  auto root = scenario::absolute_root(r.root);
  const std::string cut = root ? *root : r.root;
  for (auto& k : r.kernels) {
    report::suppress(k.introduced, cut, c.ignore_rules, baseline_of(c), k.suppressed);
    report::suppress(k.fixed, cut, c.ignore_rules, nullptr, k.suppressed);
  }
}

}  // namespace

int run_whatif(Args& a) {
  finish_options(a.common);
  if (int rc = refuse_baseline_writing(a.common, "whatif")) return rc;
  if (a.whatif.install.empty() && a.whatif.remove.empty())
    return usage_error("whatif needs --install or --remove");
  a.whatif.node = a.common.node;
  auto r = check::run_whatif(a.whatif);
  if (!r) return report_error(r.error());
  suppress_whatif(a.common, *r);
  print_report(a.common, *r, &report::render_whatif_json, &report::render_whatif_text);
  for (const auto& k : r->kernels)
    if (exit_for(k.introduced) != kExitOk) return kExitFindings;
  return kExitOk;
}

void whatif_options(CLI::App* sub, Args& a) {
  sub->add_option("--install", a.whatif.install,
                  "Package file (.deb, .rpm) or directory tree laid over the root; repeatable");
  sub->add_option("--remove", a.whatif.remove,
                  "Installed package (dpkg or RPM database of the root) whose files go away; "
                  "repeatable");
}

}  // namespace ofsck::cli
