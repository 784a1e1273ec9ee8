// `ofsck whatif` (scenario/whatif.hpp): an overlay of the root (scenario/overlay) loses what the
// removed packages own and gains what the installed ones ship; then each kernel the change
// touches is checked before (on the root) and after (on the overlay), the results are diffed,
// and the overlay's paths are mapped back to the root (scenario/path_map).
#include "scenario/whatif.hpp"

#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "read/pkgdb/pkgdb.hpp"
#include "scenario/overlay.hpp"
#include "scenario/package_overlay.hpp"
#include "scenario/path_map.hpp"
#include "scenario/scratch_root.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

namespace {

/// What the change does, as the checks need it.
struct Change {
  std::set<std::string> touched;  ///< kernels its paths belong to (scenario::kernel_of())
  /// What the package databases say after the change, kept in memory only: the check of the
  /// overlay (whose var/ still links to the root's databases) applies it
  /// (scenario::check_node()), so that ownership findings name the packages installed.
  read::PackageChanges db;
};

/// Kernel releases with a module directory under `root` (absolute, "" = /).
std::set<std::string> kernels_in(const std::string& root) {
  std::set<std::string> out;
  for (const char* d : {"/lib/modules", "/usr/lib/modules"}) {
    std::error_code ec;
    for (fs::directory_iterator it(root + d, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code ec2;
      if (it->is_directory(ec2) && !fs::is_empty(it->path(), ec2))
        out.insert(it->path().filename().string());
    }
  }
  return out;
}

std::string key_of(const Finding& f) { return f.rule + '\x1f' + f.subject + '\x1f' + f.message; }

/// Takes away the paths ofsck reads that the packages `idx` own alone (a path another remaining
/// package also owns stays, as dpkg keeps shared files).
Result<void> remove_owned(scenario::Overlay& ov, const read::PackageDb& db,
                          const std::set<uint32_t>& idx, std::set<std::string>& touched) {
  for (const auto& [path, owners] : db.owners_by_path) {
    bool mine = false, shared = false;
    for (uint32_t i : owners) {
      mine |= idx.count(i) > 0;
      shared |= idx.count(i) == 0;
    }
    if (!mine || shared) continue;
    std::string rel = path;
    while (rel.starts_with("/")) rel.erase(0, 1);
    if (rel.empty()) continue;
    std::string k = scenario::kernel_of(rel);
    if (k.empty()) continue;  // nothing ofsck reads
    touched.insert(k);
    if (auto r = ov.remove(rel); !r) return r;
  }
  return {};
}

/// --remove NAME...: each must name installed packages (kUsage otherwise).
Result<void> remove_packages(const WhatifOptions& o, const std::string& orig, scenario::Overlay& ov,
                             WhatifReport& rep, Change& ch) {
  if (o.remove.empty()) return {};
  auto db = read::load_package_db(orig);
  if (!db) return tl::unexpected(db.error());
  ch.db.remove = o.remove;
  for (const auto& name : o.remove) {
    std::vector<uint32_t> found = read::find_packages(*db, name);
    std::set<uint32_t> idx(found.begin(), found.end());
    if (idx.empty())
      return make_error(ErrorCode::kUsage,
                        fmt::format("--remove {}: no such package in the {} of {}", name,
                                    db->empty() ? "(absent) package databases"
                                                : "package databases",
                                    orig.empty() ? "/" : orig));
    for (uint32_t i : idx) rep.removed.push_back(db->packages[i].label());
    if (auto r = remove_owned(ov, *db, idx, ch.touched); !r) return r;
  }
  return {};
}

/// --install PKG...: laid over the overlay after the removals.
Result<void> install_packages(const WhatifOptions& o, scenario::Overlay& ov, WhatifReport& rep,
                              Change& ch) {
  for (const auto& pkg : o.install) {
    read::PackageAddition added;
    auto summary = scenario::lay_package(ov, pkg, ch.touched, &added);
    if (!summary) return tl::unexpected(summary.error());
    rep.installed.push_back(std::move(*summary));
    if (!added.package.name.empty()) ch.db.install.push_back(std::move(added));
  }
  ch.touched.erase("");
  return {};
}

struct Kernels {
  std::set<std::string> before, after;  ///< with a module tree on the root, on the overlay
  std::set<std::string> checked;        ///< the ones to diff
};

/// --kernel, else every kernel the change touches (all of them when it touches configuration
/// every kernel reads), else the root's default kernel when it touches nothing ofsck reads.
Result<Kernels> choose_kernels(const WhatifOptions& o, const std::string& orig,
                               const std::string& overlay, const std::set<std::string>& touched) {
  Kernels ks{kernels_in(orig), kernels_in(overlay), {}};
  const std::string& want = o.node.spec.kver;
  if (!want.empty()) {
    if (!ks.before.count(want) && !ks.after.count(want))
      return make_error(ErrorCode::kNotFound,
                        fmt::format("kernel {} has no module directory in the root, before or "
                                    "after the change",
                                    want),
                        {orig.empty() ? "/" : orig});
    ks.checked.insert(want);
  } else if (touched.count("*")) {
    ks.checked = ks.before;
    ks.checked.insert(ks.after.begin(), ks.after.end());
  } else {
    for (const auto& k : touched)
      if (ks.before.count(k) || ks.after.count(k)) ks.checked.insert(k);
  }
  if (ks.checked.empty() && touched.empty()) {
    auto k = pick_kernel(orig.empty() ? "/" : orig, "");
    if (k) ks.checked.insert(*k);
  }
  return ks;
}

/// Modules whose verdict (or winning file) differs.
void diff_verdicts(const std::string& k, const CheckResult& before, const CheckResult& after,
                   KernelDiff& d) {
  std::map<std::string, const ModuleResult*> bm;
  for (const auto& m : before.modules) bm[m.name] = &m;
  for (const auto& m : after.modules) {
    auto it = bm.find(m.name);
    if (it == bm.end()) continue;
    const ModuleResult& b = *it->second;
    if (b.loads == m.loads && b.file == m.file) continue;
    VerdictChange c{k, m.name, b.loads, m.loads, b.errno_name, m.errno_name, b.file, m.file};
    (b.loads == m.loads ? d.winner_changes : d.changes).push_back(std::move(c));
  }
}

/// Findings introduced and fixed, then verdict changes.
void diff_results(CheckResult& before, CheckResult& after, KernelDiff& d) {
  // Package scripts run depmod (Debian's kernel postinst, kmod RPMs' %post), so the on-disk
  // index is regenerated by the change itself: whether it is stale says nothing about it.
  for (auto* r : {&before, &after})
    std::erase_if(r->findings, [](const Finding& f) { return f.rule == kStaleIndex; });
  d.before_modules = before.modules.size();
  d.after_modules = after.modules.size();
  std::set<std::string> kb, ka;
  for (const auto& f : before.findings) kb.insert(key_of(f));
  for (const auto& f : after.findings) ka.insert(key_of(f));
  for (const auto& f : after.findings)
    if (!kb.count(key_of(f))) d.introduced.push_back(f);
  for (const auto& f : before.findings)
    if (!ka.count(key_of(f))) d.fixed.push_back(f);
  diff_verdicts(d.kernel, before, after, d);
}

/// Kernel `k` on the root (`base`) and on the overlay (`after`, with the package databases'
/// `changes`), diffed.
Result<KernelDiff> diff_kernel(const std::string& k, const Kernels& ks,
                               const scenario::NodeInputs& base,
                               const scenario::NodeInputs& after_in,
                               const read::PackageChanges* changes, const scenario::PathMap& back) {
  KernelDiff d;
  d.kernel = k;
  d.before_exists = ks.before.count(k) > 0;
  d.after_exists = ks.after.count(k) > 0;
  CheckResult before, after;
  if (d.before_exists) {
    auto r = scenario::check_node(base, back.to, k, nullptr);
    if (!r) return tl::unexpected(r.error());
    before = std::move(*r);
  }
  if (d.after_exists) {
    auto r = back(scenario::check_node(after_in, back.from, k, changes));
    if (!r) return tl::unexpected(r.error());
    after = std::move(*r);
    back(after);
  }
  diff_results(before, after, d);
  return d;
}

}  // namespace

Result<WhatifReport> run_whatif(const WhatifOptions& o) {
  WhatifReport rep;
  rep.root = o.node.spec.root;
  auto orig_or = scenario::absolute_root(o.node.spec.root);
  if (!orig_or) return tl::unexpected(orig_or.error());
  const std::string& orig = *orig_or;
  scenario::NodeInputs base = o.node;
  scenario::pin_host_inputs(base.spec, orig);  // before and after see the same host inputs

  auto ov = scenario::Overlay::create(orig, o.tmp_dir);
  if (!ov) return tl::unexpected(ov.error());
  scenario::Overlay& overlay = **ov;  // removed when run_whatif returns
  Change ch;
  // Removals first: `--remove old --install new` is an upgrade.
  if (auto r = remove_packages(o, orig, overlay, rep, ch); !r) return tl::unexpected(r.error());
  if (auto r = install_packages(o, overlay, rep, ch); !r) return tl::unexpected(r.error());
  auto ks = choose_kernels(o, orig, overlay.dir(), ch.touched);
  if (!ks) return tl::unexpected(ks.error());

  const scenario::NodeInputs after_in = scenario::on_scratch(base, overlay.dir(), orig);
  const read::PackageChanges* changes = ch.db.empty() ? nullptr : &ch.db;
  const scenario::PathMap back{overlay.dir(), orig};
  for (const auto& k : ks->checked) {
    auto d = diff_kernel(k, *ks, base, after_in, changes, back);
    if (!d) return tl::unexpected(d.error());
    rep.kernels.push_back(std::move(*d));
  }
  return rep;
}

}  // namespace ofsck::check
