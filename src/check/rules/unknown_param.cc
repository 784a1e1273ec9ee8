// OFS216 unknown-parameter: kernel/params.c parse_args() → unknown_module_param_cb():
//   "<mod>: unknown parameter '<p>' ignored" (a warning; the module still loads).
// modprobe passes the options of every modprobe.d `options` line for the module, then the
// kernel command line's <mod>.<param>=, in that order (effective_options()). async_probe and
// dyndbg are accepted; words after a bare `--` are not parameters.
#include <fmt/format.h>

#include <algorithm>

#include "check/effective_options.hpp"
#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

std::vector<KernelLine> unknown_parameters(const Node& p, const std::string& name,
                                           const model::ModuleFile& m, DiagnosticSink& sink) {
  std::vector<KernelLine> lines;
  std::vector<std::string> known;
  // parmtype= names every module_param(); parm= only those with a MODULE_PARM_DESC.
  for (const auto* list : {&m.info.parm, &m.info.parmtype})
    for (const auto& e : *list) {
      std::string n = e.substr(0, e.find(':'));
      if (std::find(known.begin(), known.end(), n) == known.end()) known.push_back(std::move(n));
    }
  for (const EffectiveOption& o : effective_options(p, name)) {
    if (!o.has_value && o.param == "--") break;  // parse_args(): the rest is not parameters
    const std::string& pn = o.param;
    if (pn == "async_probe" || pn == "dyndbg") continue;
    bool ok = false;
    for (const auto& k : known) ok = ok || param_eq(k, pn);
    if (ok) continue;
    const std::string msg = fmt::format("{}: unknown parameter '{}' ignored", name, pn);
    lines.push_back({msg, false, kUnknownParameter});
    Finding f =
        make_finding(kUnknownParameter, name,
                     fmt::format("{} has no parameter '{}': the kernel ignores it", name, pn));
    if (!o.where.path.empty()) f.where.push_back(o.where);
    f.set("module", name);
    f.set("param", pn);
    f.kernel_messages.push_back(msg);
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    f.hint = known.empty() ? fmt::format("{} takes no parameters", name)
                           : fmt::format("{} takes: {}", name, list);
    sink.add(std::move(f));
  }
  return lines;
}

}  // namespace ofsck::check
