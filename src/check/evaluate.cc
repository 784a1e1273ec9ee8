// evaluate(): one simulated boot per module (check/boot.hpp) of a prepared node, and the
// findings that explain the verdicts. Computes only: prepare() read every file it needs.
#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "check/boot.hpp"
#include "check/check_tree.hpp"
#include "check/explain_cause.hpp"
#include "check/insert_path.hpp"
#include "check/modprobe_closure.hpp"
#include "check/rules.hpp"
#include "check/rules/packages.hpp"
#include "check/rules/stock_quirks.hpp"
#include "check/signature_check.hpp"
#include "util/timing.hpp"

namespace ofsck::check {

namespace {

InputSummary summarize(const Node& p) {
  const auto& k = p.kernel;
  InputSummary s;
  s.root = p.root.empty() ? "/" : p.root;
  s.kernel_release = k.release;
  s.kernel_source = p.kernel_choice.source;
  s.kernel_reason = p.kernel_choice.reason;
  s.running_kernel = p.kernel_choice.running;
  s.module_dir = p.module_dir;
  s.vermagic = k.vermagic;
  s.vermagic_source = k.vermagic_source;
  s.exports_source = k.exports_source;
  s.exports_kind = k.exports_kind;
  s.exports_have_crcs = k.exports_have_crcs;
  s.config_source = k.config_source;
  s.trusted_certificates = k.trusted.size();
  s.kernel_image_read = k.image_read;
  s.cmdline = p.cmdline.raw;
  s.module_files = p.resolution.files.size();
  s.kmod_version = p.modprobe_config.kmod_version.major;
  s.kmod_version_source = p.modprobe_config.kmod_version.source;
  s.modversions = k.modversions;
  s.modversions_source = k.modversions_source.path;
  s.modversions_evidence = k.modversions_source.evidence;
  s.kernel_image = k.image_path;
  s.kernel_image_found_by = k.image_source.evidence;
  std::vector<model::Compression> formats;
  for (const auto& m : p.resolution.modules)
    if (m.module &&
        std::find(formats.begin(), formats.end(), m.module->compression) == formats.end())
      formats.push_back(m.module->compression);
  std::sort(formats.begin(), formats.end());
  s.module_insert = module_insert_path(k, s.kmod_version, formats);
  return s;
}

/// Which modules get a verdict: all, or the modprobe closures of `only`.
std::vector<size_t> pick_subjects(const Node& p, const EvalOptions& eo, DiagnosticSink& sink) {
  std::vector<size_t> subjects;
  if (eo.only.empty()) {
    subjects.resize(p.resolution.modules.size());
    for (size_t i = 0; i < subjects.size(); ++i) subjects[i] = i;
    return subjects;
  }
  std::unordered_set<size_t> seen;
  ModprobeView view(p);
  for (const auto& want : eo.only) {
    // modprobe's lookup: a modprobe.d alias wins over a module of that name; built-in modules
    // succeed with nothing to insert (check/modprobe_closure.cc).
    ModprobeTarget t = modprobe_target(view, p, want);
    for (Finding& f : lookup_findings(p, view, want, t)) sink.add(std::move(f));
    for (size_t c : t.modules)
      if (seen.insert(c).second) subjects.push_back(c);
  }
  return subjects;
}

std::string insert_error(const LoadVerdict& v) {
  return fmt::format("modprobe: ERROR: could not insert '{}': {}", v.name,
                     modprobe_error_text(v.err));
}

/// A module's own verdict behind a failing dependency (ModuleResult::own). `failing` holds the
/// modules of its chain that fail: an import bound to one of them, or missing while one fails,
/// may be there once it is fixed.
OwnVerdict own_of(const LoadVerdict& v, const std::unordered_set<std::string>& failing) {
  OwnVerdict o{v.loads, v.loads ? std::string() : errno_name(v.err),
               v.loads ? std::string() : std::string(stage_name(v.stage)), v.kernel_messages};
  if (v.stage == Stage::kDuplicateExport) o.certain = !failing.count(v.duplicate_owner);
  if (v.stage == Stage::kSymbols)
    for (const SymbolProblem& sp : v.symbol_problems)
      if (sp.kind == SymbolProblem::Kind::kMissing || failing.count(sp.provider)) o.certain = false;
  return o;
}

/// The kernel names of the modules of `chain` that fail on their own.
std::unordered_set<std::string> failing_in(const Node& p, Boot& boot,
                                           const std::vector<int>& chain) {
  std::unordered_set<std::string> out;
  for (int d : chain) {
    const auto& m = p.resolution.modules[static_cast<size_t>(d)];
    if (!m.module || !boot.own_verdict(static_cast<size_t>(d)).loads)
      out.insert(m.module ? kernel_module_name(*m.module) : m.name);
  }
  return out;
}

/// "NAME fails on its own too, …": a note of the dependency finding.
std::string own_failure_note(const std::string& name, const std::string& dep,
                             const OwnVerdict& own) {
  std::string s = fmt::format("{} fails on its own too, once {} loads: {} ({})", name, dep,
                              own.stage, own.errno_name);
  if (!own.kernel_messages.empty()) s += ": " + own.kernel_messages.back().text;
  return s;
}

/// The first `install` command that replaces an insert of `chain` (a modules.dep list), in
/// modprobe's order, then of `self` (a tree module; -1 for a given file, which insmod loads).
std::optional<InstallCommand> chain_install(const Node& p, const ModprobeView* view,
                                            const std::vector<int>& chain, int self) {
  if (!view) return std::nullopt;
  const auto& mods = p.resolution.modules;
  auto replaced = [&](int m) -> std::optional<InstallCommand> {
    const std::string& name = mods[static_cast<size_t>(m)].name;
    const model::ModprobeCommand* c = resolve::install_line(view->index(), name);
    if (!c) return std::nullopt;
    return InstallCommand{name, c->command, c->where};
  };
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if (auto c = replaced(*it)) return c;
  return self < 0 ? std::nullopt : replaced(self);
}

/// The verdicts of the tree's modules, and what the findings after them need.
struct TreeVerdicts {
  const ModprobeView* view = nullptr;  ///< set when modprobe.d has `install` lines
  std::unordered_map<size_t, std::vector<std::string>> dependents_of_failure;
  /// Notes for the dependency finding: dependents that fail on their own too.
  std::unordered_map<size_t, std::vector<std::string>> own_failures;
  std::vector<size_t> loading;  ///< subjects that load: their firmware will be requested
};

/// One tree module: `modprobe NAME` after its modules.dep list.
ModuleResult tree_verdict(const Node& p, Boot& boot, const CauseIndex& causes, size_t i,
                          DiagnosticSink& sink, TreeVerdicts& tv) {
  const auto& res = p.resolution;
  const auto& m = res.modules[i];
  ModuleResult mr;
  mr.name = m.name;
  mr.file = res.files[m.file].relpath;
  if (!m.module) {
    mr.loads = false;
    mr.errno_name = "ENOEXEC";
    return mr;
  }
  mr.install = chain_install(p, tv.view, res.deps[i].all, static_cast<int>(i));
  const int failed = boot.insert_chain(res.deps[i].all, mr.load_order);
  if (failed >= 0) {
    const auto& dep = res.modules[static_cast<size_t>(failed)];
    mr.loads = false;
    mr.failed_dependency = dep.name;
    mr.errno_name = "ENOEXEC";
    if (dep.module) {
      const auto& dv = boot.own_verdict(static_cast<size_t>(failed));
      mr.errno_name = errno_name(dv.err);
      mr.kernel_messages = dv.kernel_messages;
      mr.modprobe_message = insert_error(dv);
    }
    tv.dependents_of_failure[static_cast<size_t>(failed)].push_back(m.name);
    mr.own = own_of(boot.own_verdict(i), failing_in(p, boot, res.deps[i].all));
    if (!mr.own->loads && mr.own->certain)
      tv.own_failures[static_cast<size_t>(failed)].push_back(
          own_failure_note(m.name, dep.name, *mr.own));
    return mr;
  }
  const auto& v = boot.own_verdict(i);
  add_param_set_twice_findings(p, m.name, &*m.module, sink);
  mr.loads = v.loads;
  mr.errno_name = errno_name(v.err);
  mr.kernel_messages = v.kernel_messages;
  if (v.loads)
    for (auto& l : unknown_parameters(p, m.name, *m.module, sink))
      mr.kernel_messages.push_back(std::move(l));
  mr.taints = v.taints;
  if (!v.loads) mr.modprobe_message = insert_error(v);
  add_load_findings(p, i, v, causes, sink);
  if (v.loads) tv.loading.push_back(i);
  return mr;
}

/// A positional file: `insmod FILE` after modprobe loaded its dependencies from the tree.
ModuleResult file_verdict(const Node& p, Boot& boot, const CauseIndex& causes, const GivenFile& g,
                          const ModprobeView* view, CheckResult& r, DiagnosticSink& sink) {
  const auto& res = p.resolution;
  ModuleResult mr;
  mr.file = g.path;
  mr.given = true;
  if (!g.module) {
    ++r.unreadable;
    mr.unreadable = true;
    const Error& e = g.module.error();
    Finding f = make_finding(kUnreadableModule, g.path, "cannot read module: " + e.message);
    f.where.push_back(e.where.path.empty() ? SourceRef{g.path} : e.where);
    sink.add(std::move(f));
    mr.name = g.path;
    mr.loads = false;
    mr.errno_name = "ENOEXEC";
    return mr;
  }
  const model::ModuleFile& mf = *g.module;
  mr.name = kernel_module_name(mf);
  auto chain = providers_chain(p, mf);
  mr.install = chain_install(p, view, chain, -1);
  const int failed = boot.insert_chain(chain, mr.load_order);
  // Its own load after the chain; with a failed dependency, what follows once it is fixed.
  SimOptions so;
  so.comm = "insmod";
  auto v = simulate_load(p.kernel, verify_signature(mf.sig, p.kernel), mf,
                         boot.loaded_before(chain), so);
  if (failed >= 0) {
    mr.loads = false;
    mr.failed_dependency = res.modules[static_cast<size_t>(failed)].name;
    if (res.modules[static_cast<size_t>(failed)].module) {
      const auto& dv = boot.own_verdict(static_cast<size_t>(failed));
      mr.errno_name = errno_name(dv.err);
      mr.kernel_messages = dv.kernel_messages;
    }
    mr.own = own_of(v, failing_in(p, boot, chain));
    std::vector<std::string> notes;
    if (!mr.own->loads && mr.own->certain)
      notes.push_back(own_failure_note(mr.name, mr.failed_dependency, *mr.own));
    add_dependents_finding(p, static_cast<size_t>(failed), {mr.name}, sink, notes);
    return mr;
  }
  mr.loads = v.loads;
  mr.errno_name = errno_name(v.err);
  mr.kernel_messages = v.kernel_messages;
  mr.taints = v.taints;
  if (!v.loads)
    mr.modprobe_message = fmt::format("insmod: ERROR: could not insert module {}: {}", g.path,
                                      modprobe_error_text(v.err));
  add_file_findings(p, mf, v, causes, sink);
  return mr;
}

/// Sorted by name through an index permutation: moving whole results inside std::sort costs
/// more than the comparisons.
void sort_by_name(std::vector<ModuleResult>& modules) {
  std::vector<uint32_t> order(modules.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return modules[a].name < modules[b].name; });
  std::vector<ModuleResult> sorted;
  sorted.reserve(order.size());
  for (uint32_t i : order) sorted.push_back(std::move(modules[i]));
  modules = std::move(sorted);
}

/// The verdicts of the tree (or the closures of `only`) and of the positional files.
void all_verdicts(const Node& p, const EvalOptions& eo, Boot& boot, CheckResult& r,
                  DiagnosticSink& sink) {
  PhaseTimer timer;
  CauseIndex causes(p);
  timer.lap("evaluate: causes");
  const std::vector<size_t> subjects = pick_subjects(p, eo, sink);
  if (eo.only.empty()) boot.precompute_all();
  TreeVerdicts tv;
  std::optional<ModprobeView> view;  // modprobe's softdep lines decide whether a command applies
  if (!p.modprobe_config.install.empty()) tv.view = &view.emplace(p);
  r.modules.reserve(subjects.size() + p.files.size());
  for (size_t i : subjects) r.modules.push_back(tree_verdict(p, boot, causes, i, sink, tv));
  timer.lap("evaluate: verdicts");
  add_stale_index_findings(p, sink);
  add_firmware_findings(p, tv.loading, eo.only.empty(), sink);
  add_install_command_findings(p, subjects, sink);
  add_blacklist_bypassed_findings(p, subjects, sink);
  timer.lap("evaluate: stale index + firmware");
  // Dependents of each failing module, as one finding per root cause.
  for (auto& [dep, names] : tv.dependents_of_failure) {
    std::sort(names.begin(), names.end());
    auto& notes = tv.own_failures[dep];
    std::sort(notes.begin(), notes.end());
    add_dependents_finding(p, dep, names, sink, notes);
  }
  for (const GivenFile& g : p.files)
    r.modules.push_back(file_verdict(p, boot, causes, g, tv.view, r, sink));
  for (const auto& m : p.resolution.modules)
    if (!m.module) ++r.unreadable;
  sort_by_name(r.modules);
}

}  // namespace

CheckResult evaluate(const Node& p, const EvalOptions& eo) {
  if (!p.evaluable)
    throw std::logic_error("evaluate(): the node of " + p.module_dir +
                           " was prepared without ReadSettings::evaluation_reads");
  CheckResult r;
  r.inputs = summarize(p);
  PhaseTimer timer;
  DiagnosticSink sink;
  for (const auto& f : p.input_findings) sink.add(f);
  add_resolution_findings(p, sink);
  Boot boot(p, eo.comm, eo.threads);
  boot.index_all();
  timer.lap("evaluate: resolution findings + signatures");
  all_verdicts(p, eo, boot, r, sink);
  for (const auto& f : p.package_findings) sink.add(f);
  if (p.packages) add_package_findings(p, *p.packages, sink);
  r.findings = sink.take();
  if (p.packages) annotate_packages(p, *p.packages, r.findings);
  fold_stock_quirks(p, p.packages, r.findings);
  timer.lap("evaluate: packages");
  return r;
}

}  // namespace ofsck::check
