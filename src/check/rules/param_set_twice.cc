// OFS602 param-set-twice: no kernel message. parse_args() calls the parameter's set() once per
// occurrence, left to right, so a parameter given twice (two modprobe.d `options` lines, or a
// line and the kernel command line's <mod>.<param>=) silently keeps the LAST value in kernel
// order (effective_options()). dyndbg is not a parameter but a query each occurrence adds to.
#include <fmt/format.h>

#include "check/effective_options.hpp"
#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

namespace {

std::string where_text(const SourceRef& w) {
  return w.line ? fmt::format("{}:{}", w.path, w.line) : w.path;
}

std::string shown(const EffectiveOption& o) { return o.has_value ? o.value : "(no value)"; }

bool declared(const model::ModInfo& info, std::string_view param) {
  for (const std::string& pt : info.parmtype)
    if (param_eq(std::string_view(pt).substr(0, pt.find(':')), param)) return true;
  return false;
}

}  // namespace

void add_param_set_twice_findings(const Node& p, const std::string& module,
                                  const model::ModuleFile* mf, DiagnosticSink& sink) {
  const std::vector<EffectiveOption> opts = effective_options(p, module);
  if (opts.size() < 2) return;
  for (size_t i = 0; i < opts.size(); ++i) {
    if (!opts[i].has_value && opts[i].param == "--") break;
    if (opts[i].param == "dyndbg" || (mf && !declared(mf->info, opts[i].param))) continue;
    bool first = true, differs = false;
    size_t last = i;
    for (size_t j = 0; j < opts.size(); ++j) {
      if (!opts[j].has_value && opts[j].param == "--") break;
      if (!param_eq(opts[j].param, opts[i].param)) continue;
      if (j < i) first = false;
      differs |=
          opts[j].has_value != opts[i].has_value || opts[j].kernel_value != opts[i].kernel_value;
      last = j;
    }
    if (!first || !differs) continue;  // one finding per parameter, only when values differ
    Finding f = make_finding(
        kParamSetTwice, module,
        fmt::format("{}: parameter {} is set more than once with different values; the kernel "
                    "keeps the last: {} ({})",
                    module, opts[i].param, shown(opts[last]), where_text(opts[last].where)));
    for (const auto& o : opts)
      if (param_eq(o.param, opts[i].param)) {
        f.where.push_back(o.where);
        f.notes.push_back(fmt::format("{}={} at {}", o.param, shown(o), where_text(o.where)));
      }
    f.set("module", module);
    f.set("param", opts[i].param);
    f.set("value", opts[last].has_value ? opts[last].value : "");
    f.hint = "keep one setting (modprobe.d files are read by file name, then the kernel command "
             "line)";
    sink.add(std::move(f));
  }
}

}  // namespace ofsck::check
