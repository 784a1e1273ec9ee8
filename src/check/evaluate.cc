// evaluate(): one simulated boot per module. modprobe inserts a module's modules.dep list in
// reverse order, then the module; the kernel binds each import to vmlinux first, then to loaded
// modules newest first (find_symbol). A module whose hard dependency fails is never inserted.
#include <algorithm>
#include <future>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "check/check_tree.hpp"
#include "check/explain_cause.hpp"
#include "check/modprobe_closure.hpp"
#include "check/rules.hpp"
#include "check/rules/packages.hpp"
#include "check/signature_check.hpp"
#include "read/module_reader.hpp"
#include "util/parallel_for.hpp"
#include "util/timing.hpp"

namespace ofsck::check {

namespace {

struct Sim {
  const Prepared& p;
  const CheckOptions& o;
  std::vector<std::unique_ptr<ExportIndex>> exports;  // per resolution module
  std::vector<std::optional<LoadVerdict>> own;         // memo: the module's own load
  std::vector<SigVerdict> sig;

  read::KeyValueCache verified;

  Sim(const Prepared& prep, const CheckOptions& opts)
      : p(prep), o(opts), verified(opts.cache_dir, "verified-signatures") {
    const auto& mods = p.resolution.modules;
    exports.resize(mods.size());
    own.resize(mods.size());
    sig.resize(mods.size());
    // One public-key operation per signed module: the slowest step of a first run.
    parallel_for(mods.size(), o.threads, [&](size_t i) {
      if (!mods[i].module) return;
      exports[i] = std::make_unique<ExportIndex>(*mods[i].module);
      sig[i] = verify_signature(mods[i].module->sig, p.kernel, &verified);
    });
  }

  /// Computes the own verdict of every readable module up front, on all threads (each depends
  /// only on the module, its modules.dep list and immutable indexes).
  void precompute_all() {
    parallel_for(own.size(), o.threads, [&](size_t i) {
      if (p.resolution.modules[i].module) (void)own_verdict(i);
    });
  }

  /// Modules in the kernel when module i is inserted, newest first (= modules.dep list order).
  std::vector<LoadedModule> loaded_before(const std::vector<int>& chain) const {
    std::vector<LoadedModule> out;
    out.reserve(chain.size());
    for (int d : chain) {
      const auto& m = p.resolution.modules[static_cast<size_t>(d)];
      if (!m.module) continue;
      out.push_back({&*m.module, exports[static_cast<size_t>(d)].get(),
                     kernel_module_name(*m.module)});
    }
    return out;
  }

  /// Inserts `chain` in modprobe's order (the reverse of the modules.dep list), appending each
  /// name to `order`; returns the first module that is unreadable or fails its own load, or -1.
  int insert_chain(const std::vector<int>& chain, std::vector<std::string>& order) {
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const size_t d = static_cast<size_t>(*it);
      order.push_back(p.resolution.modules[d].name);
      if (!p.resolution.modules[d].module || !own_verdict(d).loads) return *it;
    }
    return -1;
  }

  const LoadVerdict& own_verdict(size_t i) {
    if (!own[i]) {
      const auto& m = p.resolution.modules[i];
      auto loaded = loaded_before(p.resolution.deps[i].all);
      SimOptions so;
      so.comm = o.comm;
      own[i] = simulate_load(p.kernel, sig[i], *m.module, loaded, so);
    }
    return *own[i];
  }
};

std::string rel_file(const Prepared& p, uint32_t file) {
  return p.resolution.files[file].relpath;
}

}  // namespace

CheckResult evaluate(const Prepared& p, const CheckOptions& o) {
  CheckResult r;
  const auto& res = p.resolution;
  const auto& k = p.kernel;
  r.inputs.root = p.root.empty() ? "/" : p.root;
  r.inputs.kernel_release = k.release;
  r.inputs.module_dir = p.module_dir;
  r.inputs.vermagic = k.vermagic;
  r.inputs.vermagic_source = k.vermagic_source;
  r.inputs.exports_source = k.exports_source;
  r.inputs.exports_have_crcs = k.exports_have_crcs;
  r.inputs.config_source = k.config_source;
  r.inputs.trusted_certificates = k.trusted.size();
  r.inputs.kernel_image_read = k.image_read;
  r.inputs.cmdline = p.cmdline.raw;
  r.inputs.module_files = res.files.size();
  r.inputs.kmod_version = p.modprobe_config.kmod_version.major;
  r.inputs.kmod_version_source = p.modprobe_config.kmod_version.source;
  r.inputs.modversions = k.modversions;
  r.inputs.modversions_source = k.modversions_source.path;
  r.inputs.modversions_evidence = k.modversions_source.evidence;
  r.inputs.kernel_image = k.image_path;
  r.inputs.kernel_image_found_by = k.image_source.evidence;

  PhaseTimer timer;
  DiagnosticSink sink;
  for (const auto& f : p.input_findings) sink.add(f);
  add_resolution_findings(p, sink);
  timer.lap("evaluate: resolution findings");
  // The index comparison reads modules.dep.bin through libkmod: overlap it with the verdicts.
  auto stale = std::async(o.threads == 1 ? std::launch::deferred : std::launch::async, [&p] {
    DiagnosticSink s;
    add_stale_index_findings(p, s);
    return s.take();
  });

  Sim sim(p, o);
  CauseIndex causes(p);
  timer.lap("evaluate: signatures + causes");

  // Which modules get a verdict: all, or the modprobe closures of --only.
  std::vector<size_t> subjects;
  if (o.only.empty()) {
    for (size_t i = 0; i < res.modules.size(); ++i) subjects.push_back(i);
  } else {
    std::unordered_set<size_t> seen;
    ModprobeView view(p);
    for (const auto& want : o.only) {
      // modprobe's lookup: a modprobe.d alias wins over a module of that name; built-in
      // modules succeed with nothing to insert (check/modprobe_closure.cc).
      ModprobeTarget t = modprobe_target(view, p, want);
      for (Finding& f : lookup_findings(p, view, want, t)) sink.add(std::move(f));
      for (size_t c : t.modules)
        if (seen.insert(c).second) subjects.push_back(c);
    }
  }

  if (o.only.empty()) sim.precompute_all();
  std::unordered_map<size_t, std::vector<std::string>> dependents_of_failure;
  std::vector<size_t> loading;  // subjects that load: their firmware will be requested
  for (size_t i : subjects) {
    const auto& m = res.modules[i];
    ModuleResult mr;
    mr.name = m.name;
    mr.file = rel_file(p, m.file);
    if (!m.module) {
      mr.loads = false;
      mr.errno_name = "ENOEXEC";
      r.modules.push_back(std::move(mr));
      continue;
    }
    const auto& chain = res.deps[i].all;
    // Insertion order: reverse of the modules.dep list.
    const int failed = sim.insert_chain(chain, mr.load_order);
    if (failed >= 0) {
      const auto& dep = res.modules[static_cast<size_t>(failed)];
      mr.loads = false;
      mr.failed_dependency = dep.name;
      if (dep.module) {
        const auto& dv = sim.own_verdict(static_cast<size_t>(failed));
        mr.errno_name = errno_name(dv.err);
        mr.kernel_messages = dv.kernel_messages;
        mr.modprobe_message = fmt::format("modprobe: ERROR: could not insert '{}': {}", dv.name,
                                          modprobe_error_text(dv.err));
      } else {
        mr.errno_name = "ENOEXEC";
      }
      dependents_of_failure[static_cast<size_t>(failed)].push_back(m.name);
    } else {
      const auto& v = sim.own_verdict(i);
      mr.loads = v.loads;
      mr.errno_name = errno_name(v.err);
      mr.kernel_messages = v.kernel_messages;
      if (v.loads)
        for (auto& l : unknown_parameters(p, m.name, *m.module, sink))
          mr.kernel_messages.push_back(std::move(l));
      mr.taints = v.taints;
      if (!v.loads)
        mr.modprobe_message = fmt::format("modprobe: ERROR: could not insert '{}': {}", v.name,
                                          modprobe_error_text(v.err));
      add_load_findings(p, i, v, causes, sink);
      if (v.loads) loading.push_back(i);
    }
    r.modules.push_back(std::move(mr));
  }
  timer.lap("evaluate: verdicts");
  for (auto& f : stale.get()) sink.add(std::move(f));
  timer.lap("evaluate: stale index (wait)");
  add_firmware_findings(p, loading, o.only.empty(), sink);
  timer.lap("evaluate: firmware");
  // Dependents of each failing module, as one finding per root cause.
  for (auto& [dep, names] : dependents_of_failure) {
    std::sort(names.begin(), names.end());
    add_dependents_finding(p, dep, names, sink);
  }
  // Positional files: `insmod FILE` after modprobe loaded its dependencies from the tree.
  for (const auto& path : o.files) {
    read::ReadOptions ro;
    ro.signed_digest = o.verify_content && !k.trusted.empty();
    auto mf = read::read_module(path, ro);
    ModuleResult mr;
    mr.file = path;
    if (!mf) {
      ++r.unreadable;
      Finding f = make_finding(kUnreadableModule, path, "cannot read module: " + mf.error().message);
      f.where.push_back(mf.error().where.path.empty() ? SourceRef{path} : mf.error().where);
      sink.add(std::move(f));
      mr.name = path;
      mr.loads = false;
      mr.errno_name = "ENOEXEC";
      r.modules.push_back(std::move(mr));
      continue;
    }
    mr.name = kernel_module_name(*mf);
    auto chain = providers_chain(p, *mf);
    const int failed = sim.insert_chain(chain, mr.load_order);
    if (failed >= 0) {
      mr.loads = false;
      mr.failed_dependency = res.modules[static_cast<size_t>(failed)].name;
      if (res.modules[static_cast<size_t>(failed)].module) {
        const auto& dv = sim.own_verdict(static_cast<size_t>(failed));
        mr.errno_name = errno_name(dv.err);
        mr.kernel_messages = dv.kernel_messages;
      }
      add_dependents_finding(p, static_cast<size_t>(failed), {mr.name}, sink);
    } else {
      auto loaded = sim.loaded_before(chain);
      SimOptions so;
      so.comm = "insmod";
      auto v = simulate_load(k, verify_signature(mf->sig, k), *mf, loaded, so);
      mr.loads = v.loads;
      mr.errno_name = errno_name(v.err);
      mr.kernel_messages = v.kernel_messages;
      mr.taints = v.taints;
      if (!v.loads)
        mr.modprobe_message = fmt::format("insmod: ERROR: could not insert module {}: {}", path,
                                          modprobe_error_text(v.err));
      add_file_findings(p, *mf, v, causes, sink);
    }
    r.modules.push_back(std::move(mr));
  }
  for (const auto& m : res.modules)
    if (!m.module) ++r.unreadable;
  {
    // Sorted by name through an index permutation: moving whole results inside std::sort costs
    // more than the comparisons.
    std::vector<uint32_t> order(r.modules.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return r.modules[a].name < r.modules[b].name;
    });
    std::vector<ModuleResult> sorted;
    sorted.reserve(order.size());
    for (uint32_t i : order) sorted.push_back(std::move(r.modules[i]));
    r.modules = std::move(sorted);
  }
  auto packages = load_packages(p, sink, o.package_changes.get());
  if (packages) add_package_findings(p, *packages, sink);
  r.findings = sink.take();
  if (packages) annotate_packages(p, *packages, r.findings);
  timer.lap("evaluate: packages");
  return r;
}

}  // namespace ofsck::check
