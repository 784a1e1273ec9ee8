// Boot: one simulated boot of a prepared node (see boot.hpp).
#include "check/boot.hpp"

#include "check/effective_options.hpp"

#include "check/signature_check.hpp"
#include "util/parallel_for.hpp"

namespace ofsck::check {

Boot::Boot(const Node& node, std::string comm, unsigned threads,
           std::span<const Replacement> replacements)
    : node_(node),
      comm_(std::move(comm)),
      threads_(threads),
      repl_(replacements.begin(), replacements.end()) {
  const size_t n = node.resolution.modules.size();
  exports_.resize(n);
  own_.resize(n);
  sig_.resize(n);
  for (size_t r = 0; r < repl_.size(); ++r) {
    repl_exports_.push_back(std::make_unique<ExportIndex>(*repl_[r].file));
    if (!repl_[r].in_place) continue;
    replaced_names_.insert(repl_[r].name);
    for (const auto& e : repl_[r].file->exports)
      repl_by_symbol_.emplace(e.name, static_cast<int>(r));
  }
}

void Boot::index_all() {
  const auto& mods = node_.resolution.modules;
  parallel_for(mods.size(), threads_, [&](size_t i) {
    if (!mods[i].module) return;
    if (!exports_[i]) exports_[i] = std::make_unique<ExportIndex>(*mods[i].module);
    if (!sig_[i]) sig_[i] = verify(*mods[i].module);
  });
}

void Boot::precompute_all() {
  parallel_for(own_.size(), threads_, [&](size_t i) {
    if (node_.resolution.modules[i].module) (void)own_verdict(i);
  });
}

const ExportIndex& Boot::exports(size_t i) {
  if (!exports_[i])
    exports_[i] = std::make_unique<ExportIndex>(*node_.resolution.modules[i].module);
  return *exports_[i];
}

std::vector<LoadedModule> Boot::loaded_before(const std::vector<int>& chain) {
  std::vector<LoadedModule> out;
  out.reserve(chain.size());
  for (int d : chain) {
    const auto& m = node_.resolution.modules[static_cast<size_t>(d)];
    if (!m.module) continue;
    out.push_back({&*m.module, &exports(static_cast<size_t>(d)), kernel_module_name(*m.module)});
  }
  return out;
}

int Boot::insert_chain(const std::vector<int>& chain, std::vector<std::string>& order) {
  const auto& mods = node_.resolution.modules;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const size_t d = static_cast<size_t>(*it);
    order.push_back(mods[d].name);
    if (!mods[d].module || !own_verdict(d).loads) return *it;
  }
  return -1;
}

const SigVerdict& Boot::signature(size_t i) {
  if (!sig_[i]) sig_[i] = verify(*node_.resolution.modules[i].module);
  return *sig_[i];
}

SigVerdict Boot::verify(const model::ModuleFile& m) const {
  return verify_signature(m.sig, node_.kernel, node_.verified_signatures.get());
}

const LoadVerdict& Boot::own_verdict(size_t i) {
  if (!own_[i]) {
    const auto& m = node_.resolution.modules[i];
    auto loaded = loaded_before(node_.resolution.deps[i].all);
    SimOptions so;
    so.comm = comm_;
    const std::vector<EffectiveOption> params = effective_options(node_, m.name);
    so.params = &params;
    own_[i] = simulate_load(node_.kernel, signature(i), *m.module, loaded, so);
  }
  return *own_[i];
}

LoadVerdict Boot::explain(size_t i) {
  const auto& m = node_.resolution.modules[i];
  auto loaded = loaded_before(node_.resolution.deps[i].all);
  SimOptions so;
  so.comm = comm_;
  so.record_bindings = true;
  const std::vector<EffectiveOption> params = effective_options(node_, m.name);
  so.params = &params;
  return simulate_load(node_.kernel, signature(i), *m.module, loaded, so);
}

BootModule Boot::module(size_t i) {
  const auto& m = *node_.resolution.modules[i].module;
  return {&m, &exports(i), kernel_module_name(m), static_cast<int>(i), -1};
}

BootModule Boot::replacement(size_t r) const {
  return {repl_[r].file, repl_exports_[r].get(), kernel_module_name(*repl_[r].file), -1,
          static_cast<int>(r)};
}

std::optional<BootModule> Boot::provider(const std::string& symbol) {
  if (node_.kernel.vmlinux.count(symbol)) return std::nullopt;
  auto c = repl_by_symbol_.find(symbol);
  if (c != repl_by_symbol_.end()) return replacement(static_cast<size_t>(c->second));
  const auto& st = node_.resolution.symbols.symbols;
  auto it = st.find(symbol);
  if (it == st.end() || it->second.source != resolve::Symbol::Source::kModule) return std::nullopt;
  const size_t o = static_cast<size_t>(it->second.owner);
  const auto& m = node_.resolution.modules[o];
  if (!m.module || replaced_names_.count(m.name)) return std::nullopt;
  return module(o);
}

std::vector<BootModule> Boot::import_chain(const BootModule& root) {
  std::vector<BootModule> out;
  std::unordered_set<std::string> seen;
  visit(root, seen, out);
  return out;
}

void Boot::visit(const BootModule& n, std::unordered_set<std::string>& seen,
                 std::vector<BootModule>& out) {
  if (!seen.insert(n.name).second) return;
  for (const auto& imp : n.file->imports) {
    if (!imp.in_symtab || imp.weak) continue;
    auto p = provider(imp.name);
    if (p && p->name != n.name) visit(*p, seen, out);
  }
  out.push_back(n);
}

}  // namespace ofsck::check
