// kernel/params.c param_set_*() and lib/kstrtox.c, as a predicate on one option value.
#include "check/param_value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>

namespace ofsck::check {

namespace {

constexpr std::string_view kArrayOf = "array of ";

struct IntType {
  std::string_view name, fn;
  bool is_signed;
  int64_t min;
  uint64_t max;
};

// The integer types of kernel/params.c STANDARD_PARAM_DEF on a 64-bit kernel, with the kstrto*()
// that parses each (base 0: 0x hex, leading 0 octal).
constexpr IntType kIntTypes[] = {
    {"byte", "kstrtou8", false, 0, 0xff},
    {"short", "kstrtos16", true, -32768, 32767},
    {"ushort", "kstrtou16", false, 0, 0xffff},
    {"int", "kstrtoint", true, std::numeric_limits<int32_t>::min(), 0x7fffffff},
    {"uint", "kstrtouint", false, 0, 0xffffffffu},
    {"hexint", "kstrtouint", false, 0, 0xffffffffu},
    {"long", "kstrtol", true, std::numeric_limits<int64_t>::min(), 0x7fffffffffffffffull},
    {"ulong", "kstrtoul", false, 0, std::numeric_limits<uint64_t>::max()},
    {"ullong", "kstrtoull", false, 0, std::numeric_limits<uint64_t>::max()},
};

const IntType* int_type(std::string_view t) {
  for (const auto& i : kIntTypes)
    if (i.name == t) return &i;
  return nullptr;
}

bool is_bool(std::string_view t) { return t == "bool" || t == "invbool" || t == "bint"; }

enum class Parse { kOk, kInvalid, kRange };

/// lib/kstrtox.c _kstrtoull() with base 0 after an optional '+': digits, then at most a '\n'.
Parse kstrtoull(std::string_view s, uint64_t& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  unsigned base = 10;
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  if (!s.empty() && s[0] == '0') {
    base = 8;
    if (s.size() > 2 && (s[1] == 'x' || s[1] == 'X') && hex(s[2])) {
      base = 16;
      s.remove_prefix(2);
    }
  }
  size_t n = 0;
  bool overflow = false;
  out = 0;
  for (; n < s.size(); ++n) {
    const char c = s[n];
    unsigned d = 0;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
      d = static_cast<unsigned>((c | 0x20) - 'a' + 10);
    else break;
    if (d >= base) break;
    if (out > (std::numeric_limits<uint64_t>::max() - d) / base) overflow = true;
    out = out * base + d;
  }
  if (overflow) return Parse::kRange;
  if (n == 0) return Parse::kInvalid;
  s.remove_prefix(n);
  if (!s.empty() && s[0] == '\n') s.remove_prefix(1);
  return s.empty() ? Parse::kOk : Parse::kInvalid;
}

/// kstrto<type>(): kstrtoll()/kstrtoull() and the type's range.
Parse parse_int(const IntType& t, std::string_view s) {
  uint64_t u = 0;
  if (t.is_signed && !s.empty() && s[0] == '-') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '+') return Parse::kInvalid;  // _kstrtoull() takes no sign
    const Parse p = kstrtoull(s, u);
    if (p != Parse::kOk) return p;
    return u > static_cast<uint64_t>(-(t.min + 1)) + 1 ? Parse::kRange : Parse::kOk;
  }
  const Parse p = kstrtoull(s, u);
  if (p != Parse::kOk) return p;
  return u > t.max ? Parse::kRange : Parse::kOk;
}

ParamRejection reject(std::string_view module, std::string_view param, std::string_view value,
                      std::string errn, std::string why) {
  return {std::move(errn),
          fmt::format("{}: `{}' invalid for parameter `{}'", module, value, param),
          std::move(why),
          {}};
}

/// One element (or the whole value of a scalar parameter).
std::optional<ParamRejection> check_scalar(std::string_view module, std::string_view param,
                                           std::string_view type, std::string_view v,
                                           const ParamKernel& k) {
  if (const IntType* t = int_type(type)) {
    const Parse p = parse_int(*t, v);
    if (p == Parse::kOk) return std::nullopt;
    if (p == Parse::kInvalid)
      return reject(module, param, v, "EINVAL",
                    fmt::format("'{}' is not a {} ({})", v, type, t->fn));
    // Out of the type's range: -ERANGE from kstrto<type>() on 5.x and later; older generations
    // parsed a long and said -EINVAL unless the long itself overflowed.
    const std::string errn = k.major >= 5 ? "ERANGE" : "ERANGE or EINVAL";
    return reject(module, param, v, errn,
                  fmt::format("'{}' is out of range for a {} ({}..{})", v, type, t->min, t->max));
  }
  if (is_bool(type)) {
    if (kernel_bool(v, k)) return std::nullopt;
    return reject(module, param, v, "EINVAL",
                  fmt::format("'{}' is not a boolean ({}: {})", v,
                              k.major > 4 || (k.major == 4 && k.minor >= 6) || k.major == 0
                                  ? "kstrtobool"
                                  : "strtobool",
                              k.major > 4 || (k.major == 4 && k.minor >= 6) || k.major == 0
                                  ? "y/Y/1/n/N/0 or on/off, by the first characters"
                                  : "y/Y/1/n/N/0, by the first character"));
  }
  if (type == "charp" && v.size() > 1024)
    return ParamRejection{"ENOSPC",
                          fmt::format("{}: string parameter too long", param),
                          fmt::format("a charp value is at most 1024 bytes; this one has {}",
                                      v.size()),
                          {}};
  return std::nullopt;
}

}  // namespace

bool judged(std::string_view type) {
  if (type.starts_with(kArrayOf)) type.remove_prefix(kArrayOf.size());
  return int_type(type) || is_bool(type) || type == "charp";
}

std::optional<bool> kernel_bool(std::string_view s, const ParamKernel& k) {
  const char c0 = s.empty() ? '\0' : s[0];
  if (c0 == 'y' || c0 == 'Y' || c0 == '1') return true;
  if (c0 == 'n' || c0 == 'N' || c0 == '0') return false;
  const bool on_off = k.major == 0 || k.major > 4 || (k.major == 4 && k.minor >= 6);
  if (on_off && (c0 == 'o' || c0 == 'O') && s.size() > 1) {
    if (s[1] == 'n' || s[1] == 'N') return true;
    if (s[1] == 'f' || s[1] == 'F') return false;
  }
  return std::nullopt;
}

namespace {

/// param_array(): comma-separated elements (strcspn(val, ",")), each through the element type's
/// set(); an empty element is set("") too. Before the (max+1)th element it stops with "%s: can
/// only take %i arguments". It writes a NUL over each comma it passes ("We break the rule and
/// mangle the string"), so parse_args()'s line shows only the value's first element.
std::optional<ParamRejection> check_array(std::string_view module, std::string_view param,
                                          std::string_view type, std::string_view value,
                                          const ParamKernel& k, ArrayMax amax) {
  const std::string_view first = value.substr(0, value.find(','));
  const std::string shown =
      fmt::format("{}: `{}' invalid for parameter `{}'", module, first, param);
  std::string_view rest = value;
  for (uint64_t n = 0;; ++n) {
    if (amax.known && n == amax.max) {
      const uint64_t count = 1 + static_cast<uint64_t>(std::count(value.begin(), value.end(), ','));
      return ParamRejection{"EINVAL", shown,
                            fmt::format("{} values (comma-separated) but the array takes at most "
                                        "{} (struct kparam_array max in __param)",
                                        count, amax.max),
                            fmt::format("{}: can only take {} arguments", param, amax.max)};
    }
    const size_t comma = rest.find(',');
    if (auto r = check_scalar(module, param, type, rest.substr(0, comma), k)) {
      r->kernel_message =
          r->errno_name == "ENOSPC"
              ? fmt::format("{}: `{}' too large for parameter `{}'", module, first, param)
              : shown;
      r->why = "element " + r->why;
      return r;
    }
    if (comma == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(comma + 1);
  }
}

}  // namespace

ArrayMax array_max(const model::ModuleFile& m, std::string_view param) {
  if (!m.param_arrays_read) return {};
  for (const model::ParamArray& a : m.param_arrays)
    if (param_eq(a.name, param)) return {true, a.max};
  return {};
}

std::string array_count_text(std::string_view value, ArrayMax amax) {
  const uint64_t n = 1 + static_cast<uint64_t>(std::count(value.begin(), value.end(), ','));
  const std::string_view noun = n == 1 ? "value" : "values";
  if (!amax.known) return fmt::format("{} {}; maximum not known", n, noun);
  return fmt::format("{} {}, at most {}", n, noun, amax.max);
}

std::optional<ParamRejection> check_param_value(std::string_view module, std::string_view param,
                                                std::string_view type,
                                                std::optional<std::string_view> value,
                                                const ParamKernel& k, ArrayMax amax) {
  if (!judged(type)) return std::nullopt;
  if (!value) {  // parse_one(): only KERNEL_PARAM_OPS_FL_NOARG types (bool, bint) take none
    if (type == "bool" || type == "bint") return std::nullopt;
    return reject(module, param, "", "EINVAL",
                  fmt::format("{} needs a value ({} is not a bool)", param, type));
  }
  if (!type.starts_with(kArrayOf)) return check_scalar(module, param, type, *value, k);
  return check_array(module, param, type.substr(kArrayOf.size()), *value, k, amax);
}

std::string_view declared_type(const model::ModInfo& info, std::string_view param) {
  for (const std::string& pt : info.parmtype) {
    const size_t colon = pt.find(':');
    if (colon != std::string::npos && param_eq(std::string_view(pt).substr(0, colon), param))
      return std::string_view(pt).substr(colon + 1);
  }
  return {};
}

std::vector<OptionVerdict> judge_options(std::span<const EffectiveOption> opts,
                                         const model::ModuleFile& file, std::string_view module,
                                         const ParamKernel& k) {
  const model::ModInfo& info = file.info;
  using S = OptionVerdict::Status;
  std::vector<OptionVerdict> out;
  bool dashes = false;
  for (const EffectiveOption& o : opts) {
    OptionVerdict& v = out.emplace_back();
    v.option = o;
    dashes |= !o.has_value && o.param == "--";
    v.type = std::string(declared_type(info, o.param));
    if (dashes || o.param == "dyndbg" || o.param == "async_probe") {
      v.status = S::kNotAParam;
      continue;
    }
    if (v.type.empty()) {  // a parm= description without parmtype= still names a parameter
      bool described = false;
      for (const auto& pd : info.parm)
        described |= param_eq(std::string_view(pd).substr(0, pd.find(':')), o.param);
      v.status = described ? S::kApplied : S::kUnknown;
      continue;
    }
    if (v.type.starts_with(kArrayOf)) v.array_max = array_max(file, o.param);
    v.rejection = check_param_value(module, o.param, v.type,
                                    o.has_value ? std::optional<std::string_view>(o.kernel_value)
                                                : std::nullopt,
                                    k, v.array_max);
    if (v.rejection) v.status = S::kRejected;
  }
  for (size_t i = 0; i < out.size(); ++i)  // accepted, then set again later: the last wins
    for (size_t j = i + 1; j < out.size() && out[i].status == S::kApplied; ++j)
      if (out[j].status != S::kNotAParam && param_eq(out[i].option.param, out[j].option.param))
        out[i].status = S::kOverridden;
  return out;
}

std::string_view status_name(OptionVerdict::Status s) {
  switch (s) {
    case OptionVerdict::Status::kApplied: return "applied";
    case OptionVerdict::Status::kOverridden: return "overridden";
    case OptionVerdict::Status::kRejected: return "rejected";
    case OptionVerdict::Status::kUnknown: return "unknown";
    case OptionVerdict::Status::kNotAParam: return "not-a-parameter";
  }
  return "";
}

}  // namespace ofsck::check
