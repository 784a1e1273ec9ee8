// load_module() → parse_args(mod->name, mod->args, mod->kp, ...): each option through its
// parameter's set(); a value the type rejects prints
//   "<mod>: `<val>' invalid for parameter `<p>'"   (or "`<val>' too large for parameter" on ENOSPC)
// and parse_args() returns the error, so load_module() fails with it (goto coming_cleanup; 3.10:
// bug_cleanup): modprobe reports "could not insert '<mod>': Invalid argument". 5.x and later go
// on through the remaining options and return the last error; older generations stop at the
// first. Unknown parameters are only warned about (rules/unknown_param.cc).
#include <cerrno>

#include "check/effective_options.hpp"
#include "check/load/step.hpp"
#include "check/param_value.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

namespace {

int errno_of(std::string_view name) {
  if (name == "ENOSPC") return ENOSPC;
  if (name == "ERANGE") return ERANGE;
  return EINVAL;
}

}  // namespace

bool params(Context& c) {
  if (!c.opts.params || c.opts.params->empty()) return true;
  const ParamKernel pk{c.k.major, c.k.minor};
  const bool go_on = c.k.major == 0 || c.k.major >= 5;
  int err = 0;
  for (const EffectiveOption& o : *c.opts.params) {
    if (!o.has_value && o.param == "--") break;  // after_dashes: not parameters
    const std::string_view type = declared_type(c.m.info, o.param);
    if (type.empty()) continue;
    auto r = check_param_value(c.v.name, o.param, type,
                               o.has_value ? std::optional<std::string_view>(o.kernel_value)
                                           : std::nullopt,
                               pk, array_max(c.m, o.param));
    if (!r) continue;
    if (!r->array_message.empty()) c.say(r->array_message, kParamInvalidValue);
    c.say(r->kernel_message, kParamInvalidValue);
    c.v.param_problems.push_back({o.param, std::string(type), o.value, o.has_value, r->errno_name,
                                  r->why, r->kernel_message, o.where, r->array_message});
    err = errno_of(r->errno_name);
    if (!go_on) break;
  }
  return err ? c.fail(err, Stage::kParams) : true;
}

}  // namespace ofsck::check::load
