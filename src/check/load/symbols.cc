// kernel/module/main.c setup_modinfo() and simplify_symbols() → resolve_symbol():
// find_symbol() (vmlinux first, then loaded modules newest first; GPL-only exports invisible to
// a module that tainted P), inherit_taint(), check_version(), verify_namespace_is_imported().
//   "%s: module tries to import module namespace: %s"                      (-EPERM, 6.16+)
//   "%s: module using GPL-only symbols uses symbols %s from proprietary module %s."
//   "%s: module uses symbols %s from proprietary module %s, inheriting taint."
//   "%s: module uses symbol (%s) from namespace %s, but does not import it."   (-EINVAL)
//   "%s: Unknown symbol %s (err %d)"
// A "module:<pattern,...>" namespace (EXPORT_SYMBOL_FOR_MODULES, 6.16+) admits the modules whose
// name matches a pattern, without MODULE_IMPORT_NS (verify_module_namespace()).
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

bool module_namespace_admits(std::string_view ns, std::string_view modname) {
  // verify_module_namespace(): "module:" then comma-separated patterns; a pattern ending in '*'
  // is a prefix, any other must equal the name; mod_strncmp() treats '-' and '_' alike
  // (kbuild's name-fix-token rule).
  constexpr std::string_view kPrefix = "module:";
  if (!ns.starts_with(kPrefix)) return false;
  auto same = [](char a, char b) { return (a == '-' ? '_' : a) == (b == '-' ? '_' : b); };
  ns.remove_prefix(kPrefix.size());
  while (!ns.empty()) {
    const size_t comma = ns.find(',');
    std::string_view pat = ns.substr(0, comma);
    ns = comma == std::string_view::npos ? std::string_view{} : ns.substr(comma + 1);
    const bool glob = !pat.empty() && pat.back() == '*';
    if (glob) pat.remove_suffix(1);
    if (pat.size() > modname.size() || (!glob && pat.size() != modname.size())) continue;
    if (std::equal(pat.begin(), pat.end(), modname.begin(), same)) return true;
  }
  return false;
}

}  // namespace ofsck::check

namespace ofsck::check::load {

namespace {

bool is_proprietary(const model::ModuleFile& m) {
  return !license_is_gpl_compatible(m.info.license.empty() ? "unspecified" : m.info.license);
}

struct Found {
  bool found = false;
  std::string_view owner_name;  // "vmlinux" or a LoadedModule's name (outlives the Found)
  std::optional<uint32_t> crc;
  bool gpl_only = false;
  std::string_view ns;
  bool owner_proprietary = false;
};

/// find_symbol(): vmlinux first, then loaded modules newest first; GPL-only exports are
/// invisible when !gplok (find_exported_symbol_in_section).
Found find_symbol(const Context& c, const std::string& name, bool gplok) {
  Found f;
  if (auto it = c.k.vmlinux.find(name); it != c.k.vmlinux.end()) {
    if (gplok || !it->second.gpl_only)
      return {true, "vmlinux", it->second.crc, it->second.gpl_only, it->second.ns, false};
  }
  for (const auto& lm : c.loaded) {
    if (!lm.exports) continue;
    auto it = lm.exports->by_name.find(name);
    if (it == lm.exports->by_name.end()) continue;
    const model::Export* e = it->second;
    if (!gplok && e->gpl_only) continue;
    return {true, lm.name, e->crc, e->gpl_only, e->ns, lm.file && is_proprietary(*lm.file)};
  }
  return f;
}

/// verify_namespace_is_imported(): 0 or -EINVAL (a warning only with
/// CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS).
int verify_namespace(Context& c, const model::Import& imp, const Found& f) {
  if (f.ns.empty()) return 0;
  if (c.k.namespaces.module_namespaces && module_namespace_admits(f.ns, c.v.name)) return 0;
  const auto& ins = c.m.info.import_ns;
  if (std::find(ins.begin(), ins.end(), f.ns) != ins.end()) return 0;
  c.say(fmt::format("{}: module uses symbol ({}) from namespace {}, but does not import it.",
                    c.v.name, imp.name, f.ns),
        kNamespace);
  if (c.k.namespaces.allow_missing) return 0;
  c.v.symbol_problems.push_back({SymbolProblem::Kind::kNamespace, imp.name,
                                 std::string(f.owner_name), imp.crc, f.crc, std::string(f.ns)});
  return EINVAL;
}

/// resolve_symbol() for one SHN_UNDEF symbol; returns the error (0 = bound or weak).
int resolve_symbol(Context& c, const model::Import& imp, bool& using_gplonly) {
  Found f = find_symbol(c, imp.name, /*gplok=*/!c.taint_p);
  if (!f.found && !c.k.have_exports) {
    // vmlinux exports unknown: assume vmlinux provides it (said once, in a tree finding).
    if (c.opts.record_bindings) c.v.bindings.push_back({imp.name, "vmlinux?", imp.crc, {}});
    return 0;
  }
  if (!f.found) {
    if (imp.weak) {
      if (c.opts.record_bindings) c.v.bindings.push_back({imp.name, "", imp.crc, {}});
      return 0;
    }
    // GPL-only symbol hidden from a proprietary module, or not exported at all.
    Found any = find_symbol(c, imp.name, true);
    c.v.symbol_problems.push_back(
        {any.found ? SymbolProblem::Kind::kGplOnly : SymbolProblem::Kind::kMissing, imp.name,
         std::string(any.owner_name), imp.crc, any.crc, ""});
    return ENOENT;
  }
  if (c.opts.record_bindings)
    c.v.bindings.push_back({imp.name, std::string(f.owner_name), imp.crc, f.crc});
  if (f.gpl_only) using_gplonly = true;
  if (f.owner_proprietary) {  // inherit_taint()
    if (using_gplonly) {
      c.say(fmt::format("{}: module using GPL-only symbols uses symbols {} from proprietary "
                        "module {}.",
                        c.v.name, imp.name, f.owner_name),
            kGplOnly);
      c.v.symbol_problems.push_back({SymbolProblem::Kind::kProprietaryOwner, imp.name,
                                     std::string(f.owner_name), imp.crc, f.crc, ""});
      return ENOENT;
    }
    if (!c.taint_p) {
      c.say(fmt::format("{}: module uses symbols {} from proprietary module {}, inheriting "
                        "taint.",
                        c.v.name, imp.name, f.owner_name),
            kProprietaryTaint);
      c.taint_p = true;
    }
  }
  switch (check_version(c, imp.name, f.crc, &imp)) {
    case VersionCheck::kOk: break;
    case VersionCheck::kNoVersion: c.v.no_version_symbols.push_back(imp.name); break;
    case VersionCheck::kMismatch:
    case VersionCheck::kForceRefused:  // no __versions and no CONFIG_MODULE_FORCE_LOAD
      c.v.symbol_problems.push_back({SymbolProblem::Kind::kCrcMismatch, imp.name,
                                     std::string(f.owner_name), imp.crc, f.crc, ""});
      return EINVAL;
  }
  return verify_namespace(c, imp, f);
}

std::string_view rule_of(SymbolProblem::Kind k) {
  switch (k) {
    case SymbolProblem::Kind::kMissing: return kUnknownSymbol;
    case SymbolProblem::Kind::kCrcMismatch: return kCrcMismatch;
    case SymbolProblem::Kind::kGplOnly: return kGplOnly;
    case SymbolProblem::Kind::kNamespace: return kNamespace;
    case SymbolProblem::Kind::kProprietaryOwner: return kGplOnly;
    case SymbolProblem::Kind::kImportsModuleNs: return kNamespace;
  }
  return kUnknownSymbol;
}

}  // namespace

bool setup_modinfo(Context& c) {
  // 'module:' prefixed namespaces are implicit; an explicit import is refused (6.16+; older
  // kernels have no such namespace and import the string like any other).
  if (!c.k.namespaces.module_namespaces) return true;
  for (const auto& ns : c.m.info.import_ns) {
    if (!ns.starts_with("module:")) continue;
    c.say(fmt::format("{}: module tries to import module namespace: {}", c.v.name, ns), kNamespace);
    c.v.symbol_problems.push_back({SymbolProblem::Kind::kImportsModuleNs, "", "", {}, {}, ns});
    return c.fail(EPERM, Stage::kModinfo);
  }
  return true;
}

bool symbols(Context& c) {
  int last_err = 0;
  bool using_gplonly = false;  // mod->using_gplonly_symbols
  if (c.opts.record_bindings) c.v.bindings.reserve(c.m.imports.size());
  for (const auto& imp : c.m.imports) {
    if (!imp.in_symtab) continue;
    if (imp.name == "_GLOBAL_OFFSET_TABLE_") continue;  // ignore_undef_symbol() on x86
    const size_t problems = c.v.symbol_problems.size();
    const int err = resolve_symbol(c, imp, using_gplonly);
    if (!err) continue;
    const std::string_view rule = c.v.symbol_problems.size() > problems
                                      ? rule_of(c.v.symbol_problems.back().kind)
                                      : kNoSymbolVersion;
    c.say(fmt::format("{}: Unknown symbol {} (err -{})", c.v.name, imp.name, err), rule);
    last_err = err;
  }
  if (last_err) return c.fail(last_err, Stage::kSymbols);
  return true;
}

}  // namespace ofsck::check::load
