// The one escaping rule of every output (escape.hpp). Strings from the inspected system are
// bytes: a config line, a file name or a .modinfo field need not be UTF-8 and may hold terminal
// control sequences. nlohmann::json refuses invalid UTF-8 (type_error.316), and its `replace`
// handler would lose the bytes; this rule keeps them.
#include "report/escape.hpp"

#include <cstdint>

namespace ofsck::report {

namespace {

constexpr char kHex[] = "0123456789abcdef";

/// Length of the well-formed UTF-8 sequence at s[i] (Unicode table 3-7), 0 if there is none;
/// its code point in `cp`.
size_t utf8_sequence(std::string_view s, size_t i, char32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t b0 = b(0);
  size_t n = 0;
  uint8_t lo = 0x80, hi = 0xbf;  // bounds of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    n = 2;
    cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    cp = b0 & 0x0f;
    if (b0 == 0xe0) lo = 0xa0;  // overlong
    if (b0 == 0xed) hi = 0x9f;  // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    cp = b0 & 0x07;
    if (b0 == 0xf0) lo = 0x90;  // overlong
    if (b0 == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    const uint8_t lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xbf;
    if (b(k) < lo_k || b(k) > hi_k) return 0;
    cp = (cp << 6) | (b(k) & 0x3f);
  }
  return n;
}

/// Code points written escaped although well-formed: they move or reorder what a terminal shows.
bool hidden_control(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void put_hex(std::string& out, uint8_t c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

/// Length of the SGR sequence (ESC '[' [0-9;]* 'm') at text[i], 0 if there is none.
size_t sgr_sequence(std::string_view text, size_t i) {
  if (i + 2 >= text.size() || text[i] != '\033' || text[i + 1] != '[') return 0;
  for (size_t k = i + 2; k < text.size(); ++k) {
    if (text[k] == 'm') return k + 1 - i;
    if ((text[k] < '0' || text[k] > '9') && text[k] != ';') return 0;
  }
  return 0;
}

/// A byte escape_impl() copies as it is, without looking at its neighbours.
template <bool kBackslash, bool kNewlineSgr>
constexpr bool plain(uint8_t c) {
  return (c >= 0x20 && c < 0x7f && (c != '\\' || !kBackslash)) || c == '\t' ||
         (kNewlineSgr && c == '\n');
}

/// escape() with knobs: `backslash` doubles backslashes; `newline_sgr` keeps '\n' and SGR.
template <bool kBackslash, bool kNewlineSgr>
std::string escape_impl(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    // Runs of plain bytes are copied at once: most of a report is plain ASCII.
    size_t run = i;
    while (run < s.size() && plain<kBackslash, kNewlineSgr>(static_cast<uint8_t>(s[run]))) ++run;
    if (run != i) {
      out.append(s.data() + i, run - i);
      i = run;
      continue;
    }
    const uint8_t c = static_cast<uint8_t>(s[i]);
    size_t n = 1;
    char32_t cp = 0;
    if (c == '\\') {
      out += kBackslash ? "\\\\" : "\\";
    } else if ((c >= 0x20 && c < 0x7f) || c == '\t' || (kNewlineSgr && c == '\n')) {
      out += static_cast<char>(c);
    } else if (kNewlineSgr && (n = sgr_sequence(s, i)) != 0) {
      out.append(s.substr(i, n));
    } else if (c >= 0x80 && (n = utf8_sequence(s, i, cp)) != 0) {
      if (hidden_control(cp)) {
        for (size_t k = 0; k < n; ++k) put_hex(out, static_cast<uint8_t>(s[i + k]));
      } else {
        out.append(s.substr(i, n));
      }
    } else {
      n = 1;
      put_hex(out, c);
    }
    i += n;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool needs_escape(std::string_view s) {
  for (char ch : s) {
    const uint8_t c = static_cast<uint8_t>(ch);
    if (c >= 0x80 || c == '\\' || c == 0x7f || (c < 0x20 && c != '\t')) {
      // Non-ASCII text is common (authors' names in modinfo); decide it exactly.
      return escape_impl<true, false>(s) != s;
    }
  }
  return false;
}

std::string escape(std::string_view s) { return escape_impl<true, false>(s); }

std::string terminal_safe(std::string_view text) { return escape_impl<false, true>(text); }

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && hex_value(s[i + 2]) >= 0 &&
               hex_value(s[i + 3]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace ofsck::report
