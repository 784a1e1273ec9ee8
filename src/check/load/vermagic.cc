// kernel/module/main.c check_modinfo(), its vermagic part:
//   "%s: version magic '%s' should be '%s'"   (-ENOEXEC)
//   "%s: bad vermagic: kernel tainted."       (no vermagic=: try_to_force_load())
// same_magic(modmagic, vermagic, info->index.vers): with CONFIG_MODVERSIONS and a __versions
// section the kernel can see, only the part after the release is compared; without
// CONFIG_MODVERSIONS (Debian 7.x) the whole string is, and vermagic is the only ABI check.
#include <cerrno>

#include <fmt/format.h>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

bool vermagic(Context& c) {
  const std::string& mine = c.m.info.vermagic;
  if (mine.empty()) {
    if (!c.force("bad vermagic", kVermagic)) return c.fail(ENOEXEC, Stage::kVermagic);
    return true;
  }
  if (c.k.vermagic.empty()) return true;  // unknown: said in the inputs
  if (same_magic(mine, c.k.vermagic, c.k.modversions && c.has_versions)) return true;
  c.say(fmt::format("{}: version magic '{}' should be '{}'", c.v.name, mine, c.k.vermagic),
        kVermagic);
  return c.fail(ENOEXEC, Stage::kVermagic);
}

}  // namespace ofsck::check::load
