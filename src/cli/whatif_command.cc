// `ofsck whatif`: what installing/removing packages would change (scenario/whatif.hpp).
#include <cstdio>

#include "cli/commands.hpp"
#include "report/whatif.hpp"

namespace ofsck::cli {

int run_whatif(Args& a) {
  finish_options(a.common);
  if (a.whatif.install.empty() && a.whatif.remove.empty())
    return usage_error("whatif needs --install or --remove");
  a.whatif.node = a.common.node;
  auto r = check::run_whatif(a.whatif);
  if (!r) return report_error(r.error());
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
