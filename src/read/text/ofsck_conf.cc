#include "read/text/ofsck_conf.hpp"

#include <fmt/format.h>

#include "read/text/text_util.hpp"

namespace ofsck::read {

namespace {

constexpr std::string_view kBlanks = " \t\r\v\f";

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(kBlanks);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kBlanks);
  return s.substr(b, e - b + 1);
}

tl::unexpected<Error> line_error(const std::string& path, uint32_t line, std::string message) {
  SourceRef where;
  where.path = path;
  where.line = line;
  return make_error(ErrorCode::kUsage, std::move(message), std::move(where));
}

/// Stores `value` into the single-valued key `slot`; an error when it was given before.
Result<void> set_once(std::optional<OfsckConfValue>& slot, std::string_view key,
                      OfsckConfValue value, const std::string& path) {
  if (slot)
    return line_error(path, value.line,
                      fmt::format("'{}' given twice (first on line {})", key, slot->line));
  slot = std::move(value);
  return {};
}

/// Files one `key = value` pair into `c`.
Result<void> apply(OfsckConf& c, std::string_view key, OfsckConfValue v) {
  if (key == "ignore") {
    c.ignore.push_back(std::move(v));
  } else if (key == "trust") {
    c.trust.push_back(std::move(v));
  } else if (key == "baseline") {
    return set_once(c.baseline, key, std::move(v), c.path);
  } else if (key == "cache-dir") {
    return set_once(c.cache_dir, key, std::move(v), c.path);
  } else if (key == "format") {
    if (v.value != "text" && v.value != "json")
      return line_error(c.path, v.line,
                        fmt::format("format must be text or json, not '{}'", printable(v.value)));
    return set_once(c.format, key, std::move(v), c.path);
  } else if (key == "color") {
    if (v.value != "auto" && v.value != "always" && v.value != "never")
      return line_error(c.path, v.line,
                        fmt::format("color must be auto, always or never, not '{}'",
                                    printable(v.value)));
    return set_once(c.color, key, std::move(v), c.path);
  } else {
    return line_error(c.path, v.line,
                      fmt::format("unknown key '{}' (known: ignore, baseline, trust, format, "
                                  "color, cache-dir)",
                                  printable(key)));
  }
  return {};
}

/// One physical line (without its newline).
Result<void> parse_line(OfsckConf& c, std::string_view raw, uint32_t number) {
  std::string_view line = trim(raw);
  if (line.empty() || line.front() == '#') return {};
  if (line.find('\0') != std::string_view::npos)
    return line_error(c.path, number, "NUL byte in the line");
  size_t eq = line.find('=');
  if (eq == std::string_view::npos)
    return line_error(c.path, number,
                      fmt::format("expected 'key = value', got '{}'", printable(line)));
  std::string_view key = trim(line.substr(0, eq));
  std::string_view value = trim(line.substr(eq + 1));
  if (key.empty()) return line_error(c.path, number, "no key before '='");
  if (value.empty())
    return line_error(c.path, number, fmt::format("no value for '{}'", printable(key)));
  return apply(c, key, OfsckConfValue{std::string(value), number});
}

}  // namespace

Result<OfsckConf> parse_ofsck_conf(std::string_view text, std::string path) {
  OfsckConf c;
  c.path = std::move(path);
  if (text.size() > kOfsckConfCap)
    return make_error(ErrorCode::kTooLarge,
                      fmt::format("{} bytes, more than an ofsck.conf may hold ({})", text.size(),
                                  kOfsckConfCap),
                      SourceRef{c.path});
  uint32_t number = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    auto ok = parse_line(c, text.substr(pos, nl - pos), ++number);
    if (!ok) return tl::unexpected(std::move(ok.error()));
    pos = nl + 1;
  }
  return c;
}

Result<OfsckConf> read_ofsck_conf(const std::string& path, bool optional) {
  auto text = read_text_file(path, kOfsckConfCap);
  if (!text && optional && text.error().code == ErrorCode::kNotFound) {
    OfsckConf none;
    none.path = path;
    return none;
  }
  if (!text) return tl::unexpected(std::move(text.error()));
  return parse_ofsck_conf(*text, path);
}

}  // namespace ofsck::read
