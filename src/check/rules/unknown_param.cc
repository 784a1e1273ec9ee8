// OFS216 unknown-parameter: kernel/params.c parse_args() → unknown_module_param_cb():
//   "<mod>: unknown parameter '<p>' ignored" (a warning; the module still loads).
// modprobe passes the options of every modprobe.d `options` line for the module, then the
// kernel command line's <mod>.<param>=, in that order. async_probe and dyndbg are accepted.
#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

namespace {

/// kernel/params.c next_arg(): space-separated, double quotes group.
std::vector<std::string> param_names(std::string_view opts) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < opts.size()) {
    while (i < opts.size() && (opts[i] == ' ' || opts[i] == '\t' || opts[i] == '\n')) ++i;
    if (i >= opts.size()) break;
    bool quoted = false;
    size_t start = i;
    std::string name;
    bool in_name = true;
    for (; i < opts.size(); ++i) {
      char c = opts[i];
      if (c == '"') quoted = !quoted;
      if (!quoted && (c == ' ' || c == '\t' || c == '\n')) break;
      if (in_name && c == '=') in_name = false;
      else if (in_name && c != '"') name.push_back(c);
    }
    (void)start;
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

/// parameq(): '-' and '_' are equal.
bool param_eq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::vector<KernelLine> unknown_parameters(const Node& p, const std::string& name,
                                           const model::ModuleFile& m, DiagnosticSink& sink) {
  std::vector<KernelLine> lines;
  std::vector<std::string> known;
  for (const auto& parm : m.info.parm) known.push_back(parm.substr(0, parm.find(':')));
  auto judge = [&](const std::string& opts, const SourceRef& where) {
    for (const auto& pn : param_names(opts)) {
      if (pn == "async_probe" || pn == "dyndbg") continue;
      bool ok = false;
      for (const auto& k : known) ok = ok || param_eq(k, pn);
      if (ok) continue;
      const std::string msg = fmt::format("{}: unknown parameter '{}' ignored", name, pn);
      lines.push_back({msg, false, kUnknownParameter});
      Finding f =
          make_finding(kUnknownParameter, name,
                       fmt::format("{} has no parameter '{}': the kernel ignores it", name, pn));
      if (!where.path.empty()) f.where.push_back(where);
      f.set("module", name);
      f.set("param", pn);
      f.kernel_messages.push_back(msg);
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      f.hint = known.empty() ? fmt::format("{} takes no parameters", name)
                             : fmt::format("{} takes: {}", name, list);
      sink.add(std::move(f));
    }
  };
  for (const auto& o : p.modprobe_config.options)
    if (o.modname == name) judge(o.options, o.where);
  for (const auto& [mod, opt] : p.cmdline.module_params)
    if (mod == name) judge(opt, SourceRef{"(kernel command line)"});
  return lines;
}

}  // namespace ofsck::check
