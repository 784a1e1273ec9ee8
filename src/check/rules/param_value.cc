// OFS601 param-invalid-value: kernel/params.c parse_args(), from load_module():
//   "<mod>: `<val>' invalid for parameter `<p>'"        (EINVAL, ERANGE: set() rejected it)
//   "<mod>: `<val>' too large for parameter `<p>'"      (ENOSPC: a charp over 1024 bytes)
// and, for an array given more values than its kparam_array max, param_array() first says
//   "<p>: can only take <max> arguments"                (EINVAL; <val> is then the first element)
// parse_args() returns the error and load_module() fails with it, so modprobe prints
//   "modprobe: ERROR: could not insert '<mod>': Invalid argument"
// The value is judged against the declared parmtype= (check/param_value.cc, load/params.cc).
#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

void add_param_value_findings(const std::string& subject, const LoadVerdict& v,
                              DiagnosticSink& sink) {
  for (const ParamProblem& pp : v.param_problems) {
    Finding f = make_finding(kParamInvalidValue, subject,
                             fmt::format("{}: option {}{}{} is rejected: {}; the load fails ({})",
                                         v.name, pp.param, pp.has_value ? "=" : "", pp.value,
                                         pp.why, pp.errno_name));
    if (!pp.where.path.empty()) f.where.push_back(pp.where);
    f.set("module", v.name);
    f.set("param", pp.param);
    f.set("value", pp.has_value ? pp.value : "");
    f.set("type", pp.type);
    f.set("errno", pp.errno_name);
    if (!pp.array_message.empty()) f.kernel_messages.push_back(pp.array_message);
    f.kernel_messages.push_back(pp.kernel_message);
    f.hint = pp.array_message.empty()
                 ? fmt::format("{} is declared '{}' (modinfo parmtype): give it a {} value or "
                               "remove the option",
                               pp.param, pp.type, pp.type)
                 : fmt::format("{} is declared '{}' with room for fewer values: drop the extra "
                               "values",
                               pp.param, pp.type);
    sink.add(std::move(f));
  }
}

}  // namespace ofsck::check
