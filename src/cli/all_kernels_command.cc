// `ofsck check --all-kernels`: every installed kernel of the root (every module tree), one
// verdict line each. Each kernel is prepared and evaluated as `check --kernel KVER` would, one
// after the other, so the peak memory is one kernel's model.
#include <cstdio>

#include "check/boot_kernel.hpp"
#include "cli/commands.hpp"
#include "report/all_kernels.hpp"
#include "report/escape.hpp"

namespace ofsck::cli {

namespace {

report::KernelVerdict check_one(CommonOptions& c, const std::string& release) {
  report::KernelVerdict v;
  v.release = release;
  c.node.spec.kver = release;
  auto p = check::prepare(c.node.spec, c.node.rs);
  if (!p) {
    v.error = to_string(p.error());
    return v;
  }
  check::CheckResult r = check::evaluate(*p, c.node.eo);
  if (p->verified_signatures) p->verified_signatures->save();
  v.checked = true;
  v.modules = r.modules.size();
  for (const auto& m : r.modules) (m.loads ? v.loading : v.failing) += 1;
  const check::SeverityCounts n = check::count_severities(r.findings);
  v.errors = n.errors;
  v.warnings = n.warnings;
  v.notes = n.notes;
  return v;
}

}  // namespace

int run_all_kernels(Args& a) {
  CommonOptions& c = a.common;
  if (!c.node.spec.kver.empty())
    return usage_error("--all-kernels and --kernel exclude each other");
  if (!c.node.spec.files.empty() || !c.node.eo.only.empty())
    return usage_error("--all-kernels checks whole trees: it takes no --only and no FILE");
  finish_options(c);
  report::AllKernelsReport rep;
  rep.root = c.node.spec.root;
  const std::vector<std::string> kernels = check::installed_kernels(c.node.spec.root);
  if (kernels.empty()) {
    std::fprintf(stderr,
                 "ofsck: error: no kernel module tree under %s/lib/modules or "
                 "%s/usr/lib/modules\n",
                 report::escape(c.node.spec.root == "/" ? "" : c.node.spec.root).c_str(),
                 report::escape(c.node.spec.root == "/" ? "" : c.node.spec.root).c_str());
    return kExitInput;
  }
  if (auto next = check::next_boot_kernel(c.node.spec.root)) {
    rep.next_boot = next->release;
    rep.next_boot_reason = next->reason;
    rep.running = next->running;
  }
  for (const std::string& k : kernels) {
    report::KernelVerdict v = check_one(c, k);
    v.next_boot = k == rep.next_boot;
    v.running = k == rep.running;
    rep.kernels.push_back(std::move(v));
  }
  print_report(c, rep, &report::render_all_kernels_json, &report::render_all_kernels_text);
  bool fail = false, unchecked = false;
  for (const auto& v : rep.kernels) {
    fail = fail || v.fails();
    unchecked = unchecked || !v.checked;
  }
  return fail ? kExitFindings : unchecked ? kExitInput : kExitOk;
}

}  // namespace ofsck::cli
