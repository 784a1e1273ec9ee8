#pragma once
/// How ofsck writes a string that came from the inspected system (a file name, a config line, a
/// modinfo value, a module name, a message quoting any of these), in text and in JSON alike.
/// The rule (docs/json-schema.md, "Strings from the inspected system"):
///  - tab and printable ASCII (0x20..0x7e) are written as they are, except the backslash;
///  - a backslash is written as `\\`;
///  - a well-formed UTF-8 sequence (Unicode table 3-7: no overlong form, no surrogate, at most
///    U+10FFFF) is written as it is, unless it encodes a C1 control (U+0080..U+009F), a line or
///    paragraph separator (U+2028, U+2029) or a bidirectional override or isolate
///    (U+202A..U+202E, U+2066..U+2069);
///  - every other byte (controls, DEL, bytes that are not well-formed UTF-8, and each byte of the
///    sequences just named) is written as `\xNN`, two lowercase hex digits.
/// The result is printable, valid UTF-8 and lossless: unescape() gives back the exact bytes.
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ofsck::report {

/// `s` by the rule above.
std::string escape(std::string_view s);

/// True when escape(s) != s.
bool needs_escape(std::string_view s);

/// The inverse of escape(): `\\` gives `\`, `\xNN` gives byte NN; anything else is kept.
std::string unescape(std::string_view s);

/// A whole text report made safe for a terminal after its fields went through escape(): keeps
/// newlines and the report's own SGR colour sequences (ESC '[' digits/';' 'm'), escapes every
/// other byte that escape() would (backslashes excepted, so that it is idempotent on escaped
/// fields). A field a renderer forgot to escape can then still not drive the terminal.
std::string terminal_safe(std::string_view text);

/// A string to be formatted escaped: fmt::format("{:<24}", esc(name)).
struct Esc {
  std::string_view s;
};
inline Esc esc(std::string_view s) { return Esc{s}; }

}  // namespace ofsck::report

template <>
struct fmt::formatter<ofsck::report::Esc> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const ofsck::report::Esc& e, Ctx& ctx) const {
    if (!ofsck::report::needs_escape(e.s))
      return fmt::formatter<std::string_view>::format(e.s, ctx);
    std::string s = ofsck::report::escape(e.s);
    return fmt::formatter<std::string_view>::format(std::string_view(s), ctx);
  }
};
