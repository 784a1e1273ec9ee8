// The findings of resolution (depmod.d problems, OFS1xx, the losers and winners of each module
// name) with their causes, and the index of every candidate's exports that the load findings
// use to name the file a failing module was built against (check/explain_cause.hpp).
#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

namespace {

SourceRef file_ref(const Node& p, uint32_t file) {
  return SourceRef{p.resolution.files[file].path};
}

/// OFS101's candidate fixes: the override at `where`, pointed at each directory that holds a
/// file of its module (scenario/prove_hints decides which, if any, the hint proposes).
std::vector<ConfigEdit> override_edits(const Node& p, const SourceRef& where) {
  std::vector<ConfigEdit> out;
  for (const model::DepmodOverride& o : p.depmod_config.overrides) {
    if (o.where.path != where.path || o.where.line != where.line) continue;
    const std::string name = model::normalize_name(o.modname);
    for (const auto& f : p.resolution.files) {
      if (f.external >= 0 || f.dir.empty() || f.name != name) continue;
      ConfigEdit e{o.where, fmt::format("override {} {} {}", f.stem, o.kver, f.dir),
                   fmt::format("pointing it at {}", f.dir)};
      bool dup = std::any_of(out.begin(), out.end(),
                             [&](const ConfigEdit& x) { return x.line == e.line; });
      if (!dup) out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace

CauseIndex::CauseIndex(const Node& p) {
  const auto& res = p.resolution;
  winner_.assign(res.files.size(), false);
  for (const auto& m : res.modules) winner_[m.file] = true;
  for (const auto& sel : res.selections)
    for (const auto& l : sel.losers) loss_[l.file] = l.reason;
  for (const auto& m : res.modules) {
    if (!m.module) continue;
    for (const auto& e : m.module->exports) by_symbol_[e.name].push_back({m.file, e.crc});
  }
  for (const LoserFile& l : p.losers)  // read by prepare()
    for (const auto& e : l.module.exports) by_symbol_[e.name].push_back({l.file, e.crc});
}

const std::vector<CauseIndex::Provider>* CauseIndex::providers(const std::string& s) const {
  auto it = by_symbol_.find(s);
  return it == by_symbol_.end() ? nullptr : &it->second;
}
std::string CauseIndex::loss_reason(uint32_t file) const {
  auto it = loss_.find(file);
  return it == loss_.end() ? std::string() : it->second;
}
bool CauseIndex::is_winner(uint32_t file) const { return file < winner_.size() && winner_[file]; }

void add_resolution_findings(const Node& p, DiagnosticSink& sink) {
  for (const auto& cp : p.depmod_config.problems) {
    Finding f = make_finding(kConfigBadLine, cp.where.path, cp.message);
    f.where.push_back(cp.where);
    if (!cp.kmod_message.empty()) f.notes.push_back("depmod prints: " + cp.kmod_message);
    sink.add(std::move(f));
  }
  for (const auto& cp : p.modprobe_config.problems) {
    Finding f = make_finding(kConfigBadLine, cp.where.path, cp.message);
    f.where.push_back(cp.where);
    if (!cp.kmod_message.empty()) f.notes.push_back("modprobe prints: " + cp.kmod_message);
    sink.add(std::move(f));
  }
  for (const auto& pr : p.resolution.problems) {
    std::string_view rule = kScanProblem;
    switch (pr.kind) {
      case resolve::ProblemKind::kOverrideMatchesNoFile: rule = kOverrideMatchesNoFile; break;
      case resolve::ProblemKind::kOverrideNeverDecided: rule = kShadowedProvider; break;
      case resolve::ProblemKind::kOverrideKverMismatch: rule = kOverrideKverMismatch; break;
      case resolve::ProblemKind::kTieReaddirOrder: rule = kTieReaddirOrder; break;
      case resolve::ProblemKind::kIgnoredCompression: rule = kIgnoredCompression; break;
      case resolve::ProblemKind::kModuleReadError: rule = kUnreadableModule; break;
      case resolve::ProblemKind::kDependencyCycle: rule = kDependencyCycle; break;
      default: break;
    }
    Finding f = make_finding(rule, pr.subject, pr.message);
    if (!pr.where.path.empty()) f.where.push_back(pr.where);
    if (!pr.kmod_message.empty()) f.notes.push_back("depmod prints: " + pr.kmod_message);
    if (rule == kOverrideMatchesNoFile) f.edits = override_edits(p, pr.where);
    sink.add(std::move(f));
  }
  // Shadowed modules: which file won each contested name, and why.
  const auto& res = p.resolution;
  for (const auto& sel : res.selections) {
    if (sel.losers.empty()) continue;
    Finding f =
        make_finding(kShadowedProvider, sel.name,
                     fmt::format("{} wins for module {}", res.files[sel.winner].relpath, sel.name));
    f.where.push_back(file_ref(p, sel.winner));
    for (const auto& l : sel.losers) {
      f.notes.push_back(fmt::format("{} {}", res.files[l.file].relpath, l.reason));
      if (!l.decision.where.path.empty()) f.where.push_back(l.decision.where);
    }
    sink.add(std::move(f));
  }
}

void add_dependents_finding(const Node& p, size_t failed, const std::vector<std::string>& names,
                            DiagnosticSink& sink, const std::vector<std::string>& notes) {
  const auto& dep = p.resolution.modules[failed];
  std::string list;
  for (size_t i = 0; i < names.size() && i < 12; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > 12) list += fmt::format(", … ({} more)", names.size() - 12);
  Finding f = make_finding(kDependencyFailed, dep.name,
                           fmt::format("{} module{} will not load because {} fails: {}",
                                       names.size(), names.size() == 1 ? "" : "s", dep.name, list));
  f.set("dependency", dep.name);
  for (const auto& n : names) f.set("dependents", n);
  f.where.push_back(file_ref(p, dep.file));
  for (size_t i = 0; i < notes.size() && i < 12; ++i) f.notes.push_back(notes[i]);
  if (notes.size() > 12)
    f.notes.push_back(fmt::format("… and {} more fail on their own too", notes.size() - 12));
  f.hint = fmt::format("fix {} first", dep.name);
  sink.add(std::move(f));
}

std::vector<int> providers_chain(const Node& p, const model::ModuleFile& m) {
  const auto& res = p.resolution;
  std::unordered_set<int> set;
  for (const auto& imp : m.imports) {
    auto it = res.symbols.symbols.find(imp.name);
    if (it == res.symbols.symbols.end() || it->second.owner < 0) continue;
    int o = it->second.owner;
    if (!set.insert(o).second) continue;
    for (int d : res.deps[static_cast<size_t>(o)].all) set.insert(d);
  }
  std::vector<int> out(set.begin(), set.end());
  // modules.dep order: a module's dependencies come after it (inserted before it).
  std::sort(out.begin(), out.end(), [&](int a, int b) {
    return res.deps[static_cast<size_t>(a)].topo_index >
           res.deps[static_cast<size_t>(b)].topo_index;
  });
  return out;
}

}  // namespace ofsck::check
