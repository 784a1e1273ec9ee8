// kernel/module/main.c blacklisted(), early in load_module() (after the ELF checks):
//   "Module %s is blacklisted"   (-EPERM), for names in module_blacklist= on the command line.
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

bool blacklist(Context& c) {
  const auto& bl = c.k.module_blacklist;
  if (std::find(bl.begin(), bl.end(), c.v.name) == bl.end()) return true;
  c.say(fmt::format("Module {} is blacklisted", c.v.name), kBlacklisted);
  return c.fail(EPERM, Stage::kBlacklist);
}

}  // namespace ofsck::check::load
