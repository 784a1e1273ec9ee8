// Effective module options: kmod's option string, cut as the kernel's parse_args() reads it.
#include "check/effective_options.hpp"

namespace ofsck::check {

namespace {

/// The kernel's isspace() on the characters an option string can hold.
bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/// One next_arg() step on `text` from `i` (not blank): the word and where the next one starts.
EffectiveOption next_word(std::string_view text, size_t& i, const SourceRef& where) {
  const bool quoted = text[i] == '"';
  const size_t start = i + (quoted ? 1 : 0);
  bool in_quote = quoted;
  size_t equals = 0, n = 0;  // offsets from start, as next_arg()'s `equals` and `i`
  for (; start + n < text.size(); ++n) {
    const char c = text[start + n];
    if (blank(c) && !in_quote) break;
    if (equals == 0 && c == '=') equals = n;  // a '=' at offset 0 leaves `equals` 0
    if (c == '"') in_quote = !in_quote;
  }
  const std::string_view word = text.substr(start, n);
  EffectiveOption o;
  o.where = where;
  const bool value_quoted = equals != 0 && equals + 1 < n && word[equals + 1] == '"';
  // next_arg() NULs args[i-1] when it is a quote and the word or the value opened with one.
  const size_t cut = (quoted || value_quoted) && n > 0 && word[n - 1] == '"' ? n - 1 : n;
  if (equals == 0) {
    o.param = std::string(word.substr(0, cut));
  } else {
    o.param = std::string(word.substr(0, equals));
    o.has_value = true;
    o.value = std::string(word.substr(equals + 1));
    const size_t vstart = equals + 1 + (value_quoted ? 1 : 0);
    if (cut > vstart) o.kernel_value = std::string(word.substr(vstart, cut - vstart));
  }
  i = start + n;
  return o;
}

}  // namespace

bool param_eq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
    if (x != y) return false;
  }
  return true;
}

std::vector<EffectiveOption> split_options(std::string_view text, const SourceRef& where) {
  std::vector<EffectiveOption> out;
  size_t i = 0;
  for (;;) {
    while (i < text.size() && blank(text[i])) ++i;  // skip_spaces()
    if (i >= text.size()) break;
    out.push_back(next_word(text, i, where));
  }
  return out;
}

std::vector<EffectiveOption> effective_options(const model::ModprobeConfig& config,
                                               const model::KernelCmdline& cmdline,
                                               std::string_view module, std::string_view alias) {
  auto named = [&](const std::string& n) { return n == module || (!alias.empty() && n == alias); };
  std::vector<EffectiveOption> out;
  auto append = [&out](std::vector<EffectiveOption> more) {
    for (auto& o : more) out.push_back(std::move(o));
  };
  for (const auto& o : config.options)
    if (named(o.modname)) append(split_options(o.options, o.where));
  for (const auto& [mod, opt] : cmdline.module_params)
    if (named(mod)) append(split_options(opt, SourceRef{"(kernel command line)"}));
  return out;
}

std::string modprobe_option_string(const model::ModprobeConfig& config,
                                   const model::KernelCmdline& cmdline, std::string_view module,
                                   std::string_view alias) {
  auto named = [&](const std::string& n) { return n == module || (!alias.empty() && n == alias); };
  std::string out;
  auto add = [&out](const std::string& text) {
    if (text.empty()) return;  // len < 1: skipped
    if (!out.empty()) out += ' ';
    out += text;
  };
  for (const auto& o : config.options)
    if (named(o.modname)) add(o.options);
  for (const auto& [mod, opt] : cmdline.module_params)
    if (named(mod)) add(opt);
  return out;
}

}  // namespace ofsck::check
