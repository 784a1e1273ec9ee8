#pragma once
/// Shared lexing helpers for kmod's text formats: the freadline_wrapped() line joiner, a
/// glibc strtok_r() emulation, kmod's underscores()/alias_normalize(), and bounded file reads.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// A line of a text input as a problem or entry points at it: its 1-based number and its
/// bytes without the newline (a view into the input). They go into SourceRef::text, so report/
/// shows the line without reopening the file. A bare number converts to a line without text.
struct LineAt {
  uint32_t number = 0;
  std::string_view text;
  LineAt(uint32_t n = 0, std::string_view t = {}) : number(n), text(t) {}  // NOLINT: implicit
};

/// SourceRef for line `at` of `path`, its text included.
SourceRef line_ref(std::string path, LineAt at);

/// One logical line as kmod's freadline_wrapped() returns it.
struct LogicalLine {
  std::string text;             ///< joined bytes, without the final '\n'; may contain NUL
  uint32_t first_line = 0;      ///< 1-based physical line where the logical line starts
  uint32_t last_line = 0;       ///< kmod's `linenum` after the read (used in kmod's messages)
  std::string_view first_text;  ///< physical line `first_line` as in the input (a view into it)
  /// Where a finding about this line points: its first physical line.
  LineAt at() const { return {first_line, first_text}; }
  /// The part kmod sees: C string semantics stop at the first NUL byte.
  std::string_view effective() const {
    std::string_view v(text);
    return v.substr(0, v.find('\0'));
  }
  bool has_nul() const { return text.find('\0') != std::string::npos; }
};

/// Splits `data` like kmod's freadline_wrapped(): backslash-newline joins with nothing in
/// between, a backslash before any other byte is dropped (the byte is kept), a backslash at
/// EOF becomes byte 0xff (kmod stores getc()'s EOF), and a final line without '\n' still
/// counts. A trailing run of continuations with no content at EOF yields nothing. The
/// lines' first_text views point into `data`.
std::vector<LogicalLine> split_wrapped_lines(std::string_view data);

/// Emulates glibc strtok_r() over an immutable string. next() skips leading delimiters and
/// consumes exactly one delimiter after the token; rest() is strtok_r(NULL, "\0"), i.e. the
/// remainder starting right after that single delimiter (further blanks kept), or nullopt when
/// nothing remains.
class Strtok {
 public:
  explicit Strtok(std::string_view s) : s_(s) {}
  /// Next token delimited by any byte of `delims`; nullopt at the end.
  std::optional<std::string_view> next(std::string_view delims = " \t");
  /// Remainder of the string (see class comment).
  std::optional<std::string_view> rest();

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

/// Calls fn(line, lineno) for each '\n'-separated line of `data` (no newline in `line`; a
/// final unterminated line counts, an empty input has none). Returns the number of lines.
template <class Fn>
uint32_t for_each_line(std::string_view data, Fn&& fn) {
  uint32_t n = 0;
  size_t p = 0;
  while (p < data.size()) {
    size_t e = data.find('\n', p);
    std::string_view line = data.substr(p, e == std::string_view::npos ? data.npos : e - p);
    fn(line, ++n);
    if (e == std::string_view::npos) break;
    p = e + 1;
  }
  return n;
}

/// kmod underscores(): '-' → '_' except inside "[...]"; an unbalanced ']' or unterminated '['
/// is an error (nullopt).
std::optional<std::string> kmod_underscores(std::string_view s);

/// kmod alias_normalize(): like kmod_underscores() but copies up to PATH_MAX-1 bytes.
std::optional<std::string> kmod_alias_normalize(std::string_view s);

/// Default cap for whole-file reads of text inputs (configs, modules.*).
inline constexpr uint64_t kDefaultTextCap = uint64_t{256} << 20;

/// Reads a whole regular file into memory, failing with kTooLarge above `cap` bytes.
[[nodiscard]] Result<std::string> read_text_file(const std::string& path,
                                                 uint64_t cap = kDefaultTextCap);

/// `root` + `path` with exactly one '/' between them ("" or "/" root = path unchanged).
std::string join_root(std::string_view root, std::string_view path);

/// Builds a ConfigProblem.
model::ConfigProblem make_problem(std::string kind, std::string path, LineAt line,
                                  std::string message, std::string kmod_message = {});

/// A token quoted in a message, as its bytes: report/ escapes every string it writes
/// (report/escape.hpp), so escaping here too would show `\\xNN` for a byte.
std::string printable(std::string_view s);

}  // namespace ofsck::read
