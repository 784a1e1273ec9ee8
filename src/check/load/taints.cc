// kernel/module/main.c check_modinfo() (after vermagic) and load_module() around
// add_unformed_module(): the taints a loading module adds, each notice printed once per boot:
//   "%s: loading out-of-tree module taints kernel."                      (O, no intree=Y)
//   "%s: module is from the staging directory, the quality is unknown, you have been warned."
//                                                                        (C, staging=Y)
//   "%s: module license '%s' taints kernel."                             (P, set_license())
//   "%s: module verification failed: signature and/or required key missing - tainting kernel"
//                                                                        (E, !sig_ok)
//   "%s: module license taints kernel."   (module_augment_kernel_taints(), 6.4+, first P)
#include <fmt/format.h>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

namespace {
bool augments_taints(const model::KernelFacts& k) {
  // module_augment_kernel_taints(): verified absent in 6.1, present in 6.12 (6.4+).
  return k.major > 6 || (k.major == 6 && k.minor >= 4);
}
}  // namespace

void taints(Context& c) {
  const std::string& n = c.v.name;
  if (!c.m.info.intree) {
    c.say(fmt::format("{}: loading out-of-tree module taints kernel.", n), {}, true);
    c.taint_o = true;
  }
  if (c.m.info.staging) {
    c.say(fmt::format("{}: module is from the staging directory, the quality is unknown, you "
                      "have been warned.",
                      n),
          {});
    c.taint_c = true;
  }
  const std::string lic = c.m.info.license.empty() ? "unspecified" : c.m.info.license;
  if (!license_is_gpl_compatible(lic)) {
    c.say(fmt::format("{}: module license '{}' taints kernel.", n, lic), kProprietaryTaint, true);
    c.say("Disabling lock debugging due to kernel taint", {}, true);
    c.taint_p = true;
  }
  // The signature notice (pr_notice_once) comes after add_unformed_module().
  if (c.k.module_sig && !c.sig_ok) {
    c.say(fmt::format("{}: module verification failed: signature and/or required key missing - "
                      "tainting kernel",
                      n),
          kUnsignedTaint, true);
    c.taint_e = true;
  }
  if (c.taint_p && augments_taints(c.k))
    c.say(fmt::format("{}: module license taints kernel.", n), kProprietaryTaint, true);
}

}  // namespace ofsck::check::load
