// plan_upgrade(): both kernels are prepared with the same prepare() `check` uses, so the target's
// tree, Module.symvers, config, vermagic, certificates and depmod.d search order are exactly the
// ones `ofsck check --kernel TO` would see. Three questions per out-of-tree module:
//  (a) as things stand: the target's own resolution and evaluate() decide it;
//  (b) if linked into TO/weak-updates/: weak-modules (kernel-semantics.md §8) validates links with
//      `depmod -naeE` in a sandbox that ranks weak-updates above everything; production ranks it
//      last (`search updates extra built-in weak-updates`), so a target module of the same name
//      keeps winning unless an override exists. We ask depmod_module_is_higher_priority() (via
//      resolve::PriorityRules) whether the link would win, then insert the module's dependency
//      chain as modprobe does and run simulate_load() for each, which adds what weak-modules
//      never checks: vermagic flags, module_layout, signatures, GPL and namespaces;
//  (c) otherwise it must be rebuilt against the target's headers.
// With `--to PKG…` the packages are laid over the root on whatif's private overlay first and
// both kernels are prepared there (untouched files are symlinks to the root's, so FROM sees its
// own files and same_file() still compares inodes); paths are mapped back to the root.
//
// The steps: upgrade_links.cc (candidates, links, as-is verdicts), upgrade_kabi.cc,
// upgrade_decide.cc (per module), upgrade_packages.cc (`--to PKG…`). The linked world is a
// check::Boot of TO with the candidates as replacements.
#include "scenario/upgrade.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "check/rules/packages.hpp"
#include "scenario/upgrade_steps.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

Result<std::string> pick_from(const UpgradeOptions& o) {
  if (!o.node.spec.kver.empty()) return o.node.spec.kver;
  std::string root = o.node.spec.root == "/" ? "" : o.node.spec.root;
  // FROM is the kernel modules are built for today: the running one on this system (not the
  // one that boots next, which is TO's default), else the only other kernel of the root.
  if (root.empty()) {
    std::string running = running_release();
    if (!running.empty()) return running;
  }
  std::vector<std::string> others;
  for (const auto& k : installed_kernels(root))
    if (k != o.to) others.push_back(k);
  if (others.size() == 1) return others.front();
  if (others.empty()) return pick_kernel(root, "");
  std::string list;
  for (const auto& k : others) list += "\n  " + k;
  return make_error(ErrorCode::kUsage,
                    fmt::format("{} has several kernels besides {}; name the current one with "
                                "--kernel:{}",
                                root, o.to, list));
}

scenario::NodeInputs to_inputs(const UpgradeOptions& o) {
  scenario::NodeInputs to = o.node;
  to.spec.kver = o.to;
  to.rs.progress = nullptr;
  to.rs.image_keys_always = true;  // the old kernel's signed modules are judged by these keys
  to.rs.modprobe_indexes = true;   // as_is_verdicts() asks for the candidates' closures
  return to;
}

namespace {

/// Sorted modules, the kABI roll-up, and the findings with their packages.
UpgradeReport finish(UpgradePlan& p) {
  UpgradeReport& rep = p.rep;
  std::sort(rep.modules.begin(), rep.modules.end(),
            [](const UpgradeModule& a, const UpgradeModule& b) { return a.name < b.name; });
  if (p.kabi) rep.kabi_by_package = kabi_rollup(rep.modules);
  rep.findings = p.sink.take();
  if (p.packages) annotate_packages(p.from, *p.packages, rep.findings);
  return std::move(rep);
}

}  // namespace

Result<UpgradeReport> plan_installed(const UpgradeOptions& o) {
  if (o.to.empty()) return make_error(ErrorCode::kUsage, "--to KVER is required");
  auto from_kver = pick_from(o);
  if (!from_kver) return tl::unexpected(from_kver.error());
  if (*from_kver == o.to)
    return make_error(ErrorCode::kUsage,
                      fmt::format("--to {} is the current kernel; name another release", o.to));
  // An unreadable --kabi-list is an input error: say so before reading two module trees.
  std::optional<std::vector<std::string>> given_kabi;
  if (!o.kabi_list.empty()) {
    auto l = read_kabi_list(o.kabi_list);
    if (!l) return tl::unexpected(l.error());
    given_kabi = std::move(*l);
  }
  scenario::NodeInputs fo = o.node;
  fo.spec.kver = *from_kver;
  fo.rs.evaluation_reads = false;  // FROM is resolved and its packages read, never evaluated
  auto from = prepare(fo.spec, fo.rs);
  if (!from) return tl::unexpected(from.error());
  const scenario::NodeInputs ti = to_inputs(o);
  auto to = prepare(ti.spec, ti.rs);
  if (!to) return tl::unexpected(to.error());

  UpgradePlan p(o, *from, *to);
  p.rep.root = from->root.empty() ? "/" : from->root;
  p.rep.from = from->kernel.release;
  p.rep.to = to->kernel.release;
  for (const auto& f : to->input_findings) p.sink.add(f);
  find_candidates(p);
  decide_links(p);
  as_is_verdicts(p);
  if (auto k = load_kabi(p, std::move(given_kabi)); !k) return tl::unexpected(k.error());
  // FROM's package databases as prepare() read them (the node needs them no more).
  p.packages = std::move(from->packages);
  for (const auto& f : from->package_findings) p.sink.add(f);
  decide_modules(p);
  return finish(p);
}

Result<UpgradeReport> plan_upgrade(const UpgradeOptions& o) {
  return o.to_packages.empty() ? plan_installed(o) : plan_packages(o);
}

}  // namespace ofsck::check
