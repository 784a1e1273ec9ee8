// kernel/module/main.c verify_exported_symbols(), from complete_formation() after the symbols
// are resolved: the first export that vmlinux or a loaded module already has fails the load.
//   "%s: exports duplicate symbol %s (owned by %s)"   (-ENOEXEC; owner "kernel" for vmlinux)
#include <cerrno>

#include <fmt/format.h>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

bool duplicate_exports(Context& c) {
  for (const auto& e : c.m.exports) {
    std::string owner;
    if (c.k.vmlinux.count(e.name)) {
      owner = "kernel";
    } else {
      for (const auto& lm : c.loaded)
        if (lm.exports && lm.exports->by_name.count(e.name)) {
          owner = lm.name;
          break;
        }
    }
    if (owner.empty()) continue;
    c.say(fmt::format("{}: exports duplicate symbol {} (owned by {})", c.v.name, e.name, owner),
          kDuplicateExport);
    c.v.duplicate_symbol = e.name;
    c.v.duplicate_owner = owner;
    return c.fail(ENOEXEC, Stage::kDuplicateExport);
  }
  return true;
}

}  // namespace ofsck::check::load
