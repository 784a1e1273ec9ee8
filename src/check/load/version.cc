// kernel/module/version.c check_version(), as load_module() reaches it from
// check_modstruct_version() and resolve_symbol():
//   "%s: disagrees about version of symbol %s"          (CRC differs: -EINVAL / -ENOEXEC)
//   "%s: no symbol version for %s"                      (pr_warn_once, loads; >= 4.10)
//   "%s: no extended symbol version for %s"             (6.14+ __version_ext_* tables)
//   try_to_force_load(mod, symname) when the module has no __versions at all.
// Without CONFIG_MODVERSIONS version.c is not built: check_version() is a stub that returns 1,
// so no CRC is compared and none of these lines exist (verified: Debian 7.2's vmlinux carries
// none of these format strings).
#include <fmt/format.h>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

VersionCheck check_version(Context& c, const std::string& sym,
                           const std::optional<uint32_t>& owner_crc, const model::Import* entry) {
  if (!c.k.modversions) return VersionCheck::kOk;
  // "Exporting module didn't supply crcs?  OK, we're already tainted."
  if (!owner_crc) return VersionCheck::kOk;
  const std::string_view rule = sym == "module_layout" ? kModuleLayout : kCrcMismatch;
  if (c.m.has_ext_versions) {
    const model::Import* i = entry ? entry : c.find_version(sym);
    if (i && i->crc) {
      if (*i->crc == *owner_crc) return VersionCheck::kOk;
      c.say(fmt::format("{}: disagrees about version of symbol {}", c.v.name, sym), rule);
      return VersionCheck::kMismatch;
    }
    c.say(fmt::format("{}: no extended symbol version for {}", c.v.name, sym), kNoSymbolVersion,
          true);
    return VersionCheck::kNoVersion;
  }
  // "No versions at all?  modprobe --force does this."
  if (!c.has_versions)
    return c.force(sym, kNoSymbolVersion) ? VersionCheck::kOk : VersionCheck::kForceRefused;
  const model::Import* i = entry ? entry : c.find_version(sym);
  if (i && i->crc) {
    if (*i->crc == *owner_crc) return VersionCheck::kOk;
    c.say(fmt::format("{}: disagrees about version of symbol {}", c.v.name, sym), rule);
    return VersionCheck::kMismatch;
  }
  // Since 4.10 a missing entry is a once-per-boot warning only.
  c.say(fmt::format("{}: no symbol version for {}", c.v.name, sym), kNoSymbolVersion, true);
  return VersionCheck::kNoVersion;
}

}  // namespace ofsck::check::load

namespace ofsck::check {

bool same_magic(std::string_view mod, std::string_view kernel, bool has_crcs) {
  // version.c same_magic(): with CRCs, skip the release (up to the first space). Without
  // CONFIG_MODVERSIONS the stub in internal.h is a plain strcmp(); callers pass has_crcs=false.
  if (has_crcs) {
    auto a = mod.find(' '), b = kernel.find(' ');
    mod = a == std::string_view::npos ? std::string_view{} : mod.substr(a);
    kernel = b == std::string_view::npos ? std::string_view{} : kernel.substr(b);
  }
  return mod == kernel;
}

}  // namespace ofsck::check
