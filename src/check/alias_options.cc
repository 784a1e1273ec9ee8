// Options written for an alias name: when kmod passes them (see alias_options.hpp).
#include "check/alias_options.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "check/effective_options.hpp"

namespace ofsck::check {

namespace {

using resolve::LookupSource;

/// Option names of `config` and `cmdline` other than `module`, first appearance order.
std::vector<std::string> other_names(const model::ModprobeConfig& config,
                                     const model::KernelCmdline& cmdline, std::string_view module) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (n != module && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const auto& o : config.options) add(o.modname);
  for (const auto& [mod, opt] : cmdline.module_params) add(mod);
  return out;
}

}  // namespace

std::vector<AliasOptions> alias_options(const ModprobeView& view,
                                        const model::ModprobeConfig& config,
                                        const model::KernelCmdline& cmdline,
                                        std::string_view module) {
  std::vector<AliasOptions> out;
  for (const std::string& name : other_names(config, cmdline, module)) {
    const resolve::Lookup lk = resolve::lookup_name(view.index(), name);
    if (lk.source != LookupSource::kConfigAlias && lk.source != LookupSource::kSymbol &&
        lk.source != LookupSource::kModuleAlias)
      continue;  // a module name, an install command, a built-in, or nothing at all
    if (std::none_of(lk.hits.begin(), lk.hits.end(),
                     [&](const resolve::LookupHit& h) { return h.module == module; }))
      continue;
    AliasOptions a;
    a.name = name;
    a.via = lk.source;
    a.mod_alias = lk.name;
    if (lk.source == LookupSource::kConfigAlias) {
      for (const auto& al : config.aliases)  // the first alias line that found `module`
        if (al.modname == module && fnmatch(al.pattern.c_str(), lk.name.c_str(), 0) == 0) {
          a.mod_alias = al.pattern;
          a.alias_where = al.where;
          break;
        }
    }
    a.reaches = a.mod_alias == name;
    for (const auto& o : config.options)
      if (o.modname == name) a.lines.push_back(o.where);
    for (const auto& [mod, opt] : cmdline.module_params)
      if (mod == name) a.lines.push_back(SourceRef{"(kernel command line)"});
    model::ModprobeConfig only;
    for (const auto& o : config.options)
      if (o.modname == name) only.options.push_back(o);
    a.text = modprobe_option_string(only, cmdline, name);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace ofsck::check
