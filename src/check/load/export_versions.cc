// kernel/module/main.c check_export_symbol_versions(), after the taints, before
// simplify_symbols():
//   "%s: no versions for exported symbols: kernel tainted."
// A module that exports symbols but has no __kcrctab is force-loaded (taint F), or refused with
// -ENOEXEC without CONFIG_MODULE_FORCE_LOAD. The whole check is under #ifdef CONFIG_MODVERSIONS:
// without modversions no module has CRCs and nothing is said.
#include <cerrno>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

bool export_versions(Context& c) {
  if (!c.k.modversions || c.m.exports.empty() || c.m.has_kcrctab) return true;
  if (c.force("no versions for exported symbols", kExportVersions)) return true;
  return c.fail(ENOEXEC, Stage::kExportVersions);
}

}  // namespace ofsck::check::load
