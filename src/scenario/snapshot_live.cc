// running_drift: the values loaded modules run with (/sys/module/M/parameters/P) against the
// options the next load gets. The kernel renders a value its own way (param_get_bool() prints
// Y/N, param_get_int() a decimal), so a value is compared as the kernel would print it.
#include <charconv>
#include <map>

#include "check/effective_options.hpp"
#include "scenario/snapshot.hpp"

namespace ofsck::check {

namespace {

/// kernel/params.c next_arg() drops the quotes around a value.
std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  if (!v.empty() && v.front() == '"') return v.substr(1);
  return v;
}

/// lib/kstrtox.c kstrtobool(): y/Y/1/on true, n/N/0/off false (first characters decide).
std::optional<bool> kstrtobool(std::string_view s) {
  if (s.empty()) return std::nullopt;
  switch (s[0]) {
    case 'y':
    case 'Y':
    case '1': return true;
    case 'n':
    case 'N':
    case '0': return false;
    case 'o':
    case 'O':
      if (s.size() > 1 && (s[1] == 'n' || s[1] == 'N')) return true;
      if (s.size() > 1 && (s[1] == 'f' || s[1] == 'F')) return false;
      return std::nullopt;
    default: return std::nullopt;
  }
}

/// kstrtoll(s, 0): optional sign, then 0x hex, 0 octal or decimal; one final newline allowed.
std::optional<long long> kstrtoll0(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  unsigned long long v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return neg ? -static_cast<long long>(v) : static_cast<long long>(v);
}

bool same_element(std::string_view configured, std::string_view running) {
  if (running == "Y" || running == "N") {
    if (auto b = kstrtobool(configured)) return *b == (running == "Y");
  }
  auto c = kstrtoll0(configured), r = kstrtoll0(running);
  if (c && r) return *c == *r;
  return configured == running;
}

/// parameq(): '-' and '_' are the same in parameter names.
std::string param_key(std::string_view p) {
  std::string k(p);
  for (char& ch : k)
    if (ch == '-') ch = '_';
  return k;
}

}  // namespace

bool same_running_value(std::string_view configured, bool has_value, std::string_view running) {
  if (!has_value) return running == "Y";  // a bare bool parameter is set to true
  configured = unquote(configured);
  if (configured == running) return true;
  // Arrays (param_array_get()) print their elements joined by ','.
  size_t cpos = 0, rpos = 0;
  for (;;) {
    size_t ce = std::min(configured.find(',', cpos), configured.size());
    size_t re = std::min(running.find(',', rpos), running.size());
    if (!same_element(configured.substr(cpos, ce - cpos), running.substr(rpos, re - rpos)))
      return false;
    bool cend = ce == configured.size(), rend = re == running.size();
    if (cend || rend) return cend && rend;
    cpos = ce + 1;
    rpos = re + 1;
  }
}

std::vector<RunningDrift> running_drift(const Node& node,
                                        const std::vector<read::LoadedModule>& loaded) {
  std::vector<RunningDrift> out;
  for (const auto& m : loaded) {
    auto opts = effective_options(node, m.name);
    if (opts.empty()) continue;
    std::map<std::string, const EffectiveOption*> last;  // parse_args(): the last one wins
    for (const auto& o : opts) last[param_key(o.param)] = &o;
    for (const auto& [param, running] : m.params) {
      auto it = last.find(param_key(param));
      if (it == last.end()) continue;
      const EffectiveOption& o = *it->second;
      if (!same_running_value(o.value, o.has_value, running))
        out.push_back({m.name, o.param, o.has_value ? o.value : std::string(), running});
    }
  }
  return out;
}

}  // namespace ofsck::check
