// The per-module decisions of plan_upgrade() (scenario/upgrade_steps.hpp): (a) as things stand,
// (b) if linked into TO's weak-updates/ (modprobe's insertion order and simulate_load() in the
// linked world: a check::Boot of TO with the candidates as replacements), (c) rebuild, plus
// kABI risks and the OFS5xx findings.
#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "check/load_sim.hpp"
#include "check/rules.hpp"
#include "check/rules/packages.hpp"
#include "scenario/upgrade_steps.hpp"

namespace ofsck::check {

namespace {

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string hex(uint32_t v) { return fmt::format("{:#010x}", v); }

/// Which package gives the target's headers: RPM systems kernel-devel, Debian linux-headers.
std::string headers_package(const Node& to) {
  bool rpm = is_dir(to.root + "/var/lib/rpm") || is_dir(to.root + "/usr/lib/sysimage/rpm") ||
             to.kernel.release.find(".el") != std::string::npos;
  return (rpm ? "kernel-devel-" : "linux-headers-") + to.kernel.release;
}

std::string strip_root(const std::string& root, const std::string& path) {
  if (!root.empty() && path.rfind(root + "/", 0) == 0) return path.substr(root.size());
  return path;
}

Finding module_finding(std::string_view rule, const UpgradeModule& m, const std::string& path,
                       std::string message, std::string hint) {
  Finding f = make_finding(rule, m.name, std::move(message));
  f.where.push_back({path});
  if (!m.package.empty()) f.where.back().package = m.package;
  f.kernel_messages = m.kernel_messages;
  f.notes = m.reasons;
  f.hint = std::move(hint);
  return f;
}

/// What the shared per-module steps need besides the plan.
struct Linking {
  Boot world;  ///< TO with every candidate in place (Replacement::in_place = link_wins)
  std::unordered_set<std::string> candidate_exports;  ///< what the linked candidates export
};

/// (a) TO's own verdict for the name.
void decide_as_is(const UpgradePlan& p, size_t c, UpgradeModule& um) {
  const resolve::Resolution& tres = p.to.resolution;
  const std::string& to = p.rep.to;
  auto tw = tres.module_by_name.find(um.name);
  if (p.as_is_index[c] >= 0) {
    auto v = p.verdicts.find(um.name);
    bool loads = v != p.verdicts.end() && v->second->loads;
    um.verdict_as_is = std::string(loads ? kUpgradeLoads : kUpgradeFails);
    um.as_is_file = tres.files[tres.modules[static_cast<size_t>(p.as_is_index[c])].file].relpath;
    if (!loads && v != p.verdicts.end()) {
      const ModuleResult& mr = *v->second;
      um.reasons.push_back(
          mr.failed_dependency.empty()
              ? fmt::format("as is: {} on {} fails with {}", um.as_is_file, to, mr.errno_name)
              : fmt::format("as is: dependency {} fails on {}", mr.failed_dependency, to));
    }
  } else if (tw == tres.module_by_name.end()) {
    um.verdict_as_is = std::string(kUpgradeAbsent);
    um.reasons.push_back(fmt::format(
        "as is: {} has no {} (not installed, not linked into weak-updates/)", to, um.name));
  } else {
    um.verdict_as_is = std::string(kUpgradeReplaced);
    um.as_is_file = tres.files[tres.modules[static_cast<size_t>(tw->second)].file].relpath;
    um.reasons.push_back(
        fmt::format("as is: {} of {} wins the name on {}, not this file", um.as_is_file, to, to));
  }
}

/// The candidate's own load verdict in the linked world, and the first dependency that fails.
std::pair<LoadVerdict, std::string> load_linked(const UpgradePlan& p, Linking& lk, size_t c) {
  std::vector<BootModule> chain = lk.world.import_chain(lk.world.replacement(c));
  std::vector<LoadedModule> loaded;  // newest first
  // modprobe stops at the first dependency that fails; the module's own checks are still
  // simulated (with the dependencies that did load) so that its own reason is reported too.
  LoadVerdict own, dep_verdict;
  std::string failed_dep;
  for (const BootModule& n : chain) {
    LoadVerdict v = simulate_load(p.to.kernel, lk.world.verify(*n.file), *n.file, loaded);
    if (n.replacement == static_cast<int>(c)) {
      own = std::move(v);
      break;
    }
    if (!v.loads) {
      if (failed_dep.empty()) {
        failed_dep = n.name;
        dep_verdict = std::move(v);
      }
      continue;
    }
    loaded.insert(loaded.begin(), LoadedModule{n.file, n.exports, n.name});
  }
  if (own.loads && !failed_dep.empty()) own = std::move(dep_verdict);
  return {std::move(own), std::move(failed_dep)};
}

/// (b) linked into weak-updates/.
void decide_linked(const UpgradePlan& p, Linking& lk, size_t c, UpgradeModule& um) {
  const Candidate& cand = p.cands[c];
  auto [own, failed_dep] = load_linked(p, lk, c);
  bool loads = own.loads && failed_dep.empty();
  if (!cand.link_wins) {
    um.verdict_if_linked = std::string(kUpgradeShadowed);
    um.reasons.push_back("if linked: " + p.link_notes[c]);
    um.reasons.push_back(fmt::format("with such an override the link would {}",
                                     loads ? "load" : "fail (" + errno_name(own.err) + ")"));
  } else {
    if (!p.link_notes[c].empty()) um.reasons.push_back("if linked: " + p.link_notes[c]);
    um.verdict_if_linked = std::string(loads ? kUpgradeLoads : kUpgradeFails);
    if (!loads) {
      um.errno_name = errno_name(own.err);
      if (failed_dep.empty() || own.name == kernel_module_name(*cand.file))
        um.reasons.push_back(fmt::format("if linked: the kernel refuses it at {} ({})",
                                         stage_name(own.stage), um.errno_name));
      if (!failed_dep.empty())
        um.reasons.push_back(fmt::format(
            "if linked: its dependency {} fails first (modprobe stops there)", failed_dep));
    }
  }
  for (const auto& l : own.kernel_messages) um.kernel_messages.push_back(l.text);
}

/// The provider's CRC for `sym` in the linked world: {provider name, crc}; name "" = nobody.
std::pair<std::string, std::optional<uint32_t>> provider_crc(const UpgradePlan& p, Linking& lk,
                                                             const std::string& sym) {
  auto k = p.to.kernel.vmlinux.find(sym);
  if (k != p.to.kernel.vmlinux.end()) return {"vmlinux", k->second.crc};
  auto n = lk.world.provider(sym);
  if (!n) return {"", std::nullopt};
  auto e = n->exports->by_name.find(sym);
  return {n->name, e == n->exports->by_name.end() ? std::nullopt : e->second->crc};
}

/// Every import the target does not satisfy as the module was built (what a rebuild fixes),
/// and with a kABI list the imports not on it.
void check_imports(const UpgradePlan& p, Linking& lk, size_t c, UpgradeModule& um) {
  const Candidate& cand = p.cands[c];
  for (const auto& imp : cand.file->imports) {
    if (imp.weak) continue;
    auto [prov, crc] = provider_crc(p, lk, imp.name);
    if (prov.empty()) {
      if (imp.in_symtab)
        um.failing_symbols.push_back(fmt::format("{}: not exported on {}", imp.name, p.rep.to));
    } else if (imp.crc && crc && *imp.crc != *crc && p.to.kernel.exports_have_crcs) {
      um.failing_symbols.push_back(fmt::format("{}: module has {}, {} on {} has {}", imp.name,
                                               hex(*imp.crc), prov, p.rep.to, hex(*crc)));
    }
  }
  if (!p.kabi) return;
  for (const auto& imp : cand.file->imports)
    if (imp.in_symtab && !p.kabi->count(imp.name) && !lk.candidate_exports.count(imp.name))
      um.kabi_risks.push_back(imp.name);
  std::sort(um.kabi_risks.begin(), um.kabi_risks.end());
  um.kabi_risks.erase(std::unique(um.kabi_risks.begin(), um.kabi_risks.end()), um.kabi_risks.end());
}

/// OFS501..504 for one module.
void add_findings(UpgradePlan& p, size_t c, const UpgradeModule& um) {
  const std::string& path = p.from.resolution.files[p.cands[c].from_file].path;
  const std::string& to = p.rep.to;
  if (um.needs_rebuild) {
    size_t n = um.failing_symbols.size();
    std::string why = n == 0 ? std::string()
                             : fmt::format(" ({}{})", um.failing_symbols.front(),
                                           n > 1 ? fmt::format(", {} more", n - 1) : "");
    p.sink.add(
        module_finding(kUpgradeRebuild, um, path,
                       fmt::format("{} will not load on {} as is nor linked into weak-updates/{}",
                                   um.name, to, why),
                       fmt::format("rebuild it against {} (install {})", to, um.rebuild_headers)));
  } else if (um.verdict_as_is != kUpgradeLoads) {
    p.sink.add(module_finding(
        kUpgradeLink, um, path,
        fmt::format("{} is {} on {} but would load if linked as {}", um.name, um.verdict_as_is, to,
                    um.link_path),
        "link it: weak-modules --add-modules, or a symlink in weak-updates/ and depmod"));
  }
  if (um.verdict_if_linked == kUpgradeShadowed)
    p.sink.add(module_finding(kUpgradeWeakShadowed, um, path, p.link_notes[c], ""));
  if (!um.kabi_risks.empty())
    p.sink.add(module_finding(kUpgradeKabiRisk, um, path,
                              fmt::format("{} imports {} symbol(s) not on the kABI list {}: {}",
                                          um.name, um.kabi_risks.size(), p.rep.kabi_list,
                                          fmt::join(um.kabi_risks, ", ")),
                              "the next kernel update may change them"));
}

}  // namespace

void decide_modules(UpgradePlan& p) {
  std::vector<Replacement> repl;
  repl.reserve(p.cands.size());
  for (const auto& c : p.cands) repl.push_back(Replacement{c.file, c.name, c.link_wins});
  Linking lk{Boot(p.to, "modprobe", to_inputs(p.o).rs.threads, repl), {}};
  for (const auto& c : p.cands)
    for (const auto& e : c.file->exports) lk.candidate_exports.insert(e.name);
  for (size_t c = 0; c < p.cands.size(); ++c) {
    const auto& sf = p.from.resolution.files[p.cands[c].from_file];
    UpgradeModule um;
    um.name = p.cands[c].name;
    um.file = sf.relpath;
    um.link_path = p.links[c].relpath;
    if (p.packages) {
      std::string l = owner_label(*p.packages, strip_root(p.from.root, sf.path));
      um.package = l.empty() ? std::string(kNoPackage) : l;
    }
    decide_as_is(p, c, um);
    decide_linked(p, lk, c, um);
    check_imports(p, lk, c, um);
    // (c)
    um.needs_rebuild = um.verdict_as_is != kUpgradeLoads && um.verdict_if_linked != kUpgradeLoads;
    if (um.needs_rebuild) {
      um.rebuild_headers = headers_package(p.to);
      p.rep.any_unloadable = true;
    }
    add_findings(p, c, um);
    p.rep.modules.push_back(std::move(um));
  }
}

}  // namespace ofsck::check
