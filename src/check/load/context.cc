// The state one simulated load_module() carries from step to step (check/load/step.hpp).
#include <fmt/format.h>

#include "check/load/step.hpp"

namespace ofsck::check::load {

Context::Context(const model::KernelFacts& kf, const model::ModuleFile& mf,
                 std::span<const LoadedModule> l, const SimOptions& o, LoadVerdict& verdict)
    : k(kf),
      m(mf),
      loaded(l),
      opts(o),
      v(verdict),
      // find_sec() (main.c) skips sections without SHF_ALLOC: a __versions that objcopy
      // --set-section-flags or kmod --force-modversion left unallocated is absent for the kernel.
      has_versions(mf.has_versions && mf.versions_alloc) {
  v.versions_visible = has_versions;
}

void Context::say(std::string text, std::string_view rule, bool once) {
  v.kernel_messages.push_back(KernelLine{std::move(text), once, rule});
}

bool Context::fail(int err, Stage stage) {
  v.loads = false;
  v.err = err;
  v.stage = stage;
  return false;
}

bool Context::force(const std::string& why, std::string_view rule) {
  // try_to_force_load(): without CONFIG_MODULE_FORCE_LOAD it returns -ENOEXEC, silently.
  if (!k.force_load) return false;
  // "if (!test_taint(TAINT_FORCED_MODULE)) pr_warn(...)": only the first forced load prints.
  say(fmt::format("{}: {}: kernel tainted.", v.name, why), rule, /*once=*/true);
  // add_taint(..., LOCKDEP_NOW_UNRELIABLE) turns lock debugging off once per boot.
  say("Disabling lock debugging due to kernel taint", {}, true);
  taint_f = true;
  return true;
}

const model::Import* Context::find_version(std::string_view sym) {
  // find_version() is a linear scan; large modules index their imports once (first entry per
  // name wins, as in the scan).
  if (m.imports.size() <= 128) {
    for (const auto& i : m.imports)
      if (i.name == sym) return &i;
    return nullptr;
  }
  if (version_index.empty()) {
    version_index.reserve(m.imports.size());
    for (const auto& i : m.imports) version_index.emplace(i.name, &i);
  }
  auto it = version_index.find(sym);
  return it == version_index.end() ? nullptr : it->second;
}

void Context::finish_taints() {
  // Letters in the kernel's taint_flags[] order.
  std::string s;
  if (taint_p) s += 'P';
  if (taint_f) s += 'F';
  if (taint_c) s += 'C';
  if (taint_o) s += 'O';
  if (taint_e) s += 'E';
  v.taints = std::move(s);
}

}  // namespace ofsck::check::load
