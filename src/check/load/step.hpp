#pragma once
/// The steps of the kernel's load_module(), one unit each (check/load/*.cc). simulate_load()
/// (check/load_sim.cc) runs them in the kernel's order on one Context; a step returns false when
/// the kernel stops there (the verdict then says why).
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "check/load_sim.hpp"
#include "model/kernel.hpp"
#include "model/module.hpp"

namespace ofsck::check::load {

/// State shared by the steps of one simulated load_module().
struct Context {
  const model::KernelFacts& k;
  const model::ModuleFile& m;
  std::span<const LoadedModule> loaded;
  const SimOptions& opts;
  LoadVerdict& v;
  /// The kernel sees a __versions section: find_sec() skips sections without SHF_ALLOC.
  bool has_versions = false;
  bool sig_ok = true;  ///< module_sig_check() passed with a trusted signature
  bool taint_p = false, taint_f = false, taint_c = false, taint_o = false, taint_e = false;
  std::unordered_map<std::string_view, const model::Import*> version_index;

  Context(const model::KernelFacts& kf, const model::ModuleFile& mf,
          std::span<const LoadedModule> l, const SimOptions& o, LoadVerdict& verdict);

  /// The kernel prints `text`; `rule` is the rule whose finding quotes it.
  void say(std::string text, std::string_view rule, bool once = false);
  /// load_module() stops: returns false so that steps can `return ctx.fail(...)`.
  bool fail(int err, Stage stage);
  /// try_to_force_load(): true when CONFIG_MODULE_FORCE_LOAD lets the load go on (taint F).
  bool force(const std::string& why, std::string_view rule);
  /// find_version()'s lookup of `sym` in __versions (first entry of that name).
  const model::Import* find_version(std::string_view sym);
  /// Fills v.taints from the taint flags, in taint_flags[] order.
  void finish_taints();
};

/// What check_version() decided for one symbol.
enum class VersionCheck {
  kOk,            ///< CRCs equal, or nothing to compare
  kNoVersion,     ///< no entry for the symbol: warned once, loads (>= 4.10)
  kMismatch,      ///< "disagrees about version of symbol"
  kForceRefused,  ///< no __versions at all and CONFIG_MODULE_FORCE_LOAD off
};

/// kernel/module/version.c check_version(); `entry` is the import being bound when known.
VersionCheck check_version(Context& c, const std::string& sym,
                           const std::optional<uint32_t>& owner_crc,
                           const model::Import* entry = nullptr);

bool signature(Context& c);          ///< load/signature.cc
bool elf_validity(Context& c);       ///< load/elf_validity.cc
bool blacklist(Context& c);          ///< load/blacklist.cc
bool module_layout(Context& c);      ///< load/module_layout.cc
bool vermagic(Context& c);           ///< load/vermagic.cc
void taints(Context& c);             ///< load/taints.cc
bool export_versions(Context& c);    ///< load/export_versions.cc
bool setup_modinfo(Context& c);      ///< load/symbols.cc (import_ns of "module:" namespaces)
bool symbols(Context& c);            ///< load/symbols.cc
bool duplicate_exports(Context& c);  ///< load/duplicate_exports.cc
bool params(Context& c);             ///< load/params.cc

}  // namespace ofsck::check::load
