// `upgrade --to PKG…` (scenario/upgrade_steps.hpp): the packages are laid over the root on a
// private overlay (scenario/package_overlay), both kernels are planned there, and the overlay's
// paths are mapped back to the root (scenario/path_map).
#include <unistd.h>

#include <set>

#include <fmt/format.h>

#include "scenario/package_overlay.hpp"
#include "scenario/path_map.hpp"
#include "scenario/scratch_root.hpp"
#include "scenario/upgrade_steps.hpp"

namespace ofsck::check {

namespace {

/// True when `root` (absolute, "" = /) holds a kernel's module tree for `kver`, not just the
/// build/source links a headers package ships.
bool has_module_tree(const std::string& root, const std::string& kver) {
  for (const char* moddir : {"/lib/modules/", "/usr/lib/modules/"}) {
    std::string d = root + moddir + kver;
    for (const char* entry : {"/modules.order", "/modules.builtin", "/kernel"})
      if (access((d + entry).c_str(), F_OK) == 0) return true;
  }
  return false;
}

/// The kernel the packages bring: `o.to` when given, else the one release whose paths they ship
/// and whose module tree exists once they are laid over the root. New releases come first: a
/// vendor package for the current kernel given alongside the new kernel's does not make the
/// choice ambiguous.
Result<std::string> target_of(const UpgradeOptions& o, const scenario::PackageOverlay& ov) {
  std::set<std::string> brought, fresh, headers_only;
  for (const auto& t : ov.touched)
    for (const auto& k : t) {
      if (k == "*") continue;
      if (!has_module_tree(ov.dir, k)) {
        headers_only.insert(k);
        continue;
      }
      brought.insert(k);
      if (!has_module_tree(ov.orig, k)) fresh.insert(k);
    }
  const std::set<std::string>& cand = fresh.empty() ? brought : fresh;
  if (!o.to.empty()) {
    if (has_module_tree(ov.dir, o.to)) return o.to;
    return make_error(ErrorCode::kUsage,
                      fmt::format("--to {}: no module tree for it on {} nor in the --to packages",
                                  o.to, ov.orig.empty() ? "/" : ov.orig));
  }
  if (cand.size() == 1) return *cand.begin();
  if (cand.size() > 1)
    return make_error(ErrorCode::kUsage,
                      fmt::format("the --to packages bring several kernels ({}); name the target "
                                  "with one more --to KVER",
                                  fmt::join(cand, ", ")));
  const std::vector<std::string>& names = o.to_packages;
  std::string why = "it ships no lib/modules/<release>/ module tree";
  if (!headers_only.empty())
    why = fmt::format("it ships files for {} but no module tree (headers only? add the "
                      "kernel's image package)",
                      fmt::join(headers_only, ", "));
  return make_error(
      ErrorCode::kUsage,
      fmt::format("--to {}: {} no kernel: {}; --to takes kernel packages (linux-image-*, "
                  "kernel-core-*) or an installed release",
                  fmt::join(names, " --to "), names.size() == 1 ? "carries" : "carry", why));
}

/// Every path of the report back on the root.
void map_back(UpgradeReport& rep, const scenario::PathMap& back) {
  back(rep.kabi_list);
  back(rep.findings);
  for (auto& m : rep.modules) {
    for (std::string* s : {&m.file, &m.as_is_file, &m.link_path}) back(*s);
    for (auto* v : {&m.reasons, &m.kernel_messages, &m.failing_symbols}) back(*v);
  }
}

}  // namespace

Result<UpgradeReport> plan_packages(const UpgradeOptions& o) {
  auto ov = scenario::overlay_packages(o.node.spec.root, o.to_packages, o.tmp_dir);
  if (!ov) return tl::unexpected(ov.error());
  auto target = target_of(o, *ov);
  if (!target) return tl::unexpected(target.error());
  // FROM is chosen on the root as it is.
  UpgradeOptions pick = o;
  pick.to = *target;
  auto from = pick_from(pick);
  if (!from) return tl::unexpected(from.error());

  UpgradeOptions in = o;
  in.to_packages.clear();
  in.to = *target;
  in.node = scenario::on_scratch(o.node, ov->dir, ov->orig);
  in.node.spec.kver = *from;
  const scenario::PathMap back{ov->dir, ov->orig};
  auto rep = back(plan_installed(in));
  if (!rep) return tl::unexpected(rep.error());
  rep->root = ov->orig.empty() ? "/" : ov->orig;
  rep->to_packages = o.to_packages;
  rep->to_packages_read = ov->installed;
  map_back(*rep, back);
  return rep;
}

}  // namespace ofsck::check
