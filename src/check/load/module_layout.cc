// kernel/module/version.c check_modstruct_version(), called from load_module() before
// check_modinfo(): module_layout (6.1; "module_layout" stands for struct module's layout) checked
// against vmlinux's CRC like any import, but a failure is -ENOEXEC with no "Unknown symbol":
//   "%s: disagrees about version of symbol module_layout"
//   "%s: module_layout: kernel tainted."   (no __versions the kernel can see: forced, taint F)
// Without CONFIG_MODVERSIONS check_modstruct_version() is a stub that returns 1.
#include <cerrno>

#include "check/load/step.hpp"

namespace ofsck::check::load {

bool module_layout(Context& c) {
  if (!c.k.modversions || !c.k.have_exports) return true;
  auto it = c.k.vmlinux.find("module_layout");
  // version.c exports module_layout whenever CONFIG_MODVERSIONS is set; an export list without
  // it (a partial System.map) leaves nothing to compare.
  if (it == c.k.vmlinux.end()) return true;
  switch (check_version(c, "module_layout", it->second.crc)) {
    case VersionCheck::kOk:
    case VersionCheck::kNoVersion: return true;
    case VersionCheck::kMismatch: {
      const model::Import* i = c.find_version("module_layout");
      c.v.symbol_problems.push_back({SymbolProblem::Kind::kCrcMismatch, "module_layout", "vmlinux",
                                     i ? i->crc : std::nullopt, it->second.crc, ""});
      return c.fail(ENOEXEC, Stage::kModuleLayout);
    }
    case VersionCheck::kForceRefused: return c.fail(ENOEXEC, Stage::kModuleLayout);
  }
  return true;
}

}  // namespace ofsck::check::load
