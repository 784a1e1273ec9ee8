// Effective module options: kmod's option string, cut as the kernel's parse_args() reads it.
#include "check/effective_options.hpp"

namespace ofsck::check {

namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

}  // namespace

std::vector<EffectiveOption> split_options(std::string_view text, const SourceRef& where) {
  std::vector<EffectiveOption> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && blank(text[i])) ++i;
    if (i >= text.size()) break;
    const size_t start = i;
    bool quoted = false;
    size_t eq = std::string_view::npos;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"') quoted = !quoted;
      if (!quoted && blank(c)) break;
      if (eq == std::string_view::npos && c == '=') eq = i;
    }
    EffectiveOption o;
    o.where = where;
    const std::string_view word = text.substr(start, i - start);
    const std::string_view name = eq == std::string_view::npos ? word : word.substr(0, eq - start);
    for (char c : name)
      if (c != '"') o.param.push_back(c);
    if (eq != std::string_view::npos) {
      o.has_value = true;
      o.value = std::string(word.substr(eq - start + 1));
    }
    if (!o.param.empty()) out.push_back(std::move(o));
  }
  return out;
}

std::vector<EffectiveOption> effective_options(const model::ModprobeConfig& config,
                                               const model::KernelCmdline& cmdline,
                                               std::string_view module) {
  std::vector<EffectiveOption> out;
  auto append = [&out](std::vector<EffectiveOption> more) {
    for (auto& o : more) out.push_back(std::move(o));
  };
  for (const auto& o : config.options)
    if (o.modname == module) append(split_options(o.options, o.where));
  for (const auto& [mod, opt] : cmdline.module_params)
    if (mod == module) append(split_options(opt, SourceRef{"(kernel command line)"}));
  return out;
}

}  // namespace ofsck::check
