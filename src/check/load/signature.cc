// kernel/module/signing.c module_sig_check(), the first step of load_module(), before any ELF
// parsing:
//   "Loading of %s is rejected"                                  (enforced: -EKEYREJECTED)
//   "Lockdown: %s: unsigned module loading is restricted; see man kernel_lockdown.7"  (-EPERM)
// -EBADMSG (malformed) and -EKEYREJECTED (trusted key, bad signature) are fatal even when
// signatures are not enforced; -ENODATA/-ENOPKG/-ENOKEY only then.
#include <cerrno>

#include <fmt/format.h>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

bool signature(Context& c) {
  if (!c.k.module_sig) return true;
  const bool enforced = c.k.sig_enforce || c.k.sig_force;
  const char* reason = nullptr;
  switch (c.v.sig.status) {
    case SigStatus::kOk:
    case SigStatus::kUnknown: break;  // kUnknown: no trust information, assumed accepted (OFS303)
    case SigStatus::kUnsigned: reason = "unsigned module"; break;
    case SigStatus::kNoKey: reason = "module with unavailable key"; break;
    case SigStatus::kUnsupported: reason = "module with unsupported crypto"; break;
    case SigStatus::kBadMessage: return c.fail(EBADMSG, Stage::kSignature);
    case SigStatus::kRejected: return c.fail(EKEYREJECTED, Stage::kSignature);
  }
  if (!reason) return true;
  c.sig_ok = false;
  if (enforced) {
    c.say(fmt::format("Loading of {} is rejected", reason), kSignatureRejected);
    return c.fail(EKEYREJECTED, Stage::kSignature);
  }
  if (c.k.lockdown == "integrity" || c.k.lockdown == "confidentiality") {
    c.say(fmt::format("Lockdown: {}: unsigned module loading is restricted; see man "
                      "kernel_lockdown.7",
                      c.opts.comm),
          kSignatureRejected);
    return c.fail(EPERM, Stage::kSignature);
  }
  return true;
}

}  // namespace ofsck::check::load
