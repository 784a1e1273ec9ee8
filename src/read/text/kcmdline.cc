#include "read/text/kcmdline.hpp"

#include <fstream>

#include <fmt/format.h>

#include "read/text/text_util.hpp"

namespace ofsck::read {
namespace {

constexpr size_t kKcmdLineSize = 4096;  // libkmod KCMD_LINE_SIZE; read_str_safe keeps size-1

/// kstrtobool() as used by param_set_bool(); nullopt = -EINVAL.
std::optional<bool> kernel_strtobool(std::string_view v) {
  if (v.empty()) return std::nullopt;
  switch (v[0]) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1': return true;
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0': return false;
    case 'o':
    case 'O':
      if (v.size() > 1 && (v[1] == 'n' || v[1] == 'N')) return true;
      if (v.size() > 1 && (v[1] == 'f' || v[1] == 'F')) return false;
      return std::nullopt;
    default: return std::nullopt;
  }
}

/// Kernel-side view: next_arg() in lib/cmdline.c (quotes group, one level of surrounding
/// quotes stripped from the value), stopping at "--".
void parse_kernel_side(std::string_view s, model::KernelCmdline& out) {
  size_t i = 0;
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  };
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size()) break;
    bool in_quote = false;
    size_t start = i;
    size_t eq = std::string_view::npos;
    for (; i < s.size(); ++i) {
      if (is_space(s[i]) && !in_quote) break;
      if (eq == std::string_view::npos && s[i] == '=') eq = i;
      if (s[i] == '"') in_quote = !in_quote;
    }
    std::string_view arg = s.substr(start, i - start);
    std::string_view key = arg, val;
    bool has_val = eq != std::string_view::npos;
    if (has_val) {
      key = arg.substr(0, eq - start);
      val = arg.substr(eq - start + 1);
    }
    if (!key.empty() && key.front() == '"') {
      key.remove_prefix(1);
      if (!val.empty() && val.back() == '"') val.remove_suffix(1);
      else if (!has_val && !key.empty() && key.back() == '"') key.remove_suffix(1);
    } else if (val.size() >= 1 && val.front() == '"') {
      val.remove_prefix(1);
      if (!val.empty() && val.back() == '"') val.remove_suffix(1);
    }
    if (key == "--") break;  // the rest is for init
    std::string k(key);
    for (char& c : k)
      if (c == '-') c = '_';  // parameq(): '-' and '_' are equal
    if (k == "module.sig_enforce") {
      std::optional<bool> b = has_val ? kernel_strtobool(val) : std::optional<bool>(true);
      if (!b)
        out.problems.push_back(make_problem(
            "bad-kernel-param", "/proc/cmdline", 0,
            fmt::format("module.sig_enforce={} is not a boolean; the kernel ignores it",
                        printable(val))));
      else if (*b) out.sig_enforce = true;  // param_ops_bool_enable_only: cannot be turned off
    } else if (k == "lockdown") {
      out.lockdown = std::string(val);
    } else if (k == "module_blacklist") {
      out.module_blacklist.clear();  // charp core_param: the last occurrence wins
      size_t p = 0;
      while (has_val && p <= val.size()) {
        size_t c = val.find(',', p);
        std::string_view item = val.substr(p, c == std::string_view::npos ? val.npos : c - p);
        if (!item.empty()) out.module_blacklist.emplace_back(item);
        if (c == std::string_view::npos) break;
        p = c + 1;
      }
    }
  }
}

/// kmod's kcmdline_parse_result() for one completed `mod.param[=value]` whose pieces start at
/// these offsets of the NUL-separated `buf`.
void kcmdline_parse_result(const std::string& buf, size_t modname, size_t param, size_t value,
                           model::KernelCmdline& out) {
  constexpr size_t npos = std::string::npos;
  auto cstr = [&](size_t at) { return std::string(buf.c_str() + at); };
  std::string mod = cstr(modname), prm = cstr(param);
  if (mod == "modprobe" && prm.starts_with("blacklist=")) {
    std::string v = cstr(value);
    size_t s = 0;
    for (;;) {  // strsep(&value, ","): empty items are kept
      size_t c = v.find(',', s);
      out.modprobe_blacklist.push_back(v.substr(s, c == npos ? npos : c - s));
      if (c == npos) break;
      s = c + 1;
    }
  } else if (std::optional<std::string> m = kmod_underscores(mod)) {
    out.module_params.emplace_back(std::move(*m), std::move(prm));
  } else {
    out.problems.push_back(make_problem(
        "bad-kernel-param", "/proc/cmdline", 0,
        fmt::format("module name '{}' has unbalanced brackets; kmod ignores the option",
                    printable(mod)),
        fmt::format("Ignoring bad option on kernel command line while parsing module "
                    "name: '{}'",
                    mod)));
  }
}

/// grub passes "mod.p=a b" quoted whole; kmod shifts mod\0p= left over the opening quote and
/// re-inserts the quote before the value: p="a b". The offsets move with the text.
void requote_value(std::string& buf, size_t quote_start, size_t& modname, size_t& param,
                   size_t& value) {
  buf.replace(quote_start, value - modname, buf.substr(modname, value - modname));
  --value;
  --modname;
  --param;
  buf[value] = '"';
}

/// Literal port of libkmod kmod_config_parse_kcmdline() (kmod 30) over a mutable buffer.
void parse_kmod_side(std::string buf, model::KernelCmdline& out) {
  enum State { kIgnore, kModname, kParam, kValue, kComplete };
  buf.push_back('\0');
  State state = kModname;
  bool is_quoted = false, iter = true;
  size_t npos = std::string::npos;
  size_t modname = 0, param = npos, value = npos, quote_start = npos;
  for (size_t p = 0; iter && p < buf.size(); ++p) {
    switch (buf[p]) {
      case '"':
        is_quoted = !is_quoted;
        if (is_quoted && state == kModname && p == modname) {
          quote_start = p;
          modname = p + 1;
        } else if (state != kValue) {
          state = kIgnore;
        }
        break;
      case '\0': iter = false; [[fallthrough]];
      case ' ':
      case '\n':
      case '\t':
      case '\v':
      case '\f':
      case '\r':
        if (is_quoted && state == kValue) {
        } else if (is_quoted) {
          state = kIgnore;
        } else if (state == kValue || state == kParam) {
          buf[p] = '\0';
          state = kComplete;
        } else {
          modname = p + 1;
          state = kModname;
          quote_start = npos;
        }
        break;
      case '.':
        if (state == kModname) {
          buf[p] = '\0';
          param = p + 1;
          state = kParam;
        } else if (state == kParam) {
          state = kIgnore;
        }
        break;
      case '=':
        if (state == kParam) {
          value = p + 1;
          state = kValue;
        } else if (state == kModname) {
          state = kIgnore;
        }
        break;
      default: break;
    }
    if (state == kComplete) {
      if (quote_start != npos && quote_start < modname && value != npos && value > modname)
        requote_value(buf, quote_start, modname, param, value);
      if (param != npos) kcmdline_parse_result(buf, modname, param, value, out);
      modname = p + 1;
      state = kModname;
      quote_start = npos;
    }
  }
}

}  // namespace

model::KernelCmdline parse_kernel_cmdline(std::string_view cmdline) {
  model::KernelCmdline out;
  out.raw = std::string(cmdline);
  std::string_view kmod_view = cmdline;
  if (kmod_view.size() > kKcmdLineSize - 1) {
    kmod_view = kmod_view.substr(0, kKcmdLineSize - 1);
    out.problems.push_back(
        make_problem("cmdline-truncated", "/proc/cmdline", 0,
                     fmt::format("kernel command line is {} bytes; libkmod reads only the first {}",
                                 cmdline.size(), kKcmdLineSize - 1)));
  }
  kmod_view = kmod_view.substr(0, kmod_view.find('\0'));
  parse_kmod_side(std::string(kmod_view), out);
  parse_kernel_side(cmdline.substr(0, cmdline.find('\0')), out);
  return out;
}

std::string node_cmdline_text(std::string_view root, const std::optional<std::string>& given) {
  if (given) return *given;
  std::string line;
  if (root.empty() || root == "/") {
    std::ifstream in("/proc/cmdline");
    std::getline(in, line);
  }
  return line;
}

}  // namespace ofsck::read
