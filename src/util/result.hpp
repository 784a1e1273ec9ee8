#pragma once
/// Errors as values across layers (style.md): every fallible function returns Result<T>.
#include <cstdint>
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace ofsck {

/// Where something is: a file plus a line (config/text) or a section/offset (binary).
struct SourceRef {
  std::string path;             ///< as the user would look for it (absolute on the inspected root)
  uint32_t line = 0;            ///< 1-based; 0 = no line
  std::string section;          ///< e.g. "__versions"; empty = none
  uint64_t offset = kNoOffset;  ///< byte offset in the (decompressed) file; kNoOffset = none
  std::string package;          ///< owning package, when known
  /// The bytes of line `line` as read (no newline; may hold any byte, NUL included), so a
  /// renderer can show the line without reopening the file; empty = not known or blank.
  std::string text;
  static constexpr uint64_t kNoOffset = UINT64_MAX;
};

enum class ErrorCode {
  kIo,           ///< open/read/stat failed
  kTruncated,    ///< data ends before a structure it promises
  kMalformed,    ///< data present but not valid
  kUnsupported,  ///< valid but outside what we handle (e.g. .ko.gz without zlib in kmod)
  kTooLarge,     ///< a size cap (zip bomb, count guard) was hit
  kUsage,        ///< bad command-line usage
  kNotFound,     ///< a required input does not exist
};

struct Error {
  ErrorCode code = ErrorCode::kMalformed;
  std::string message;  ///< LLVM style: names the structure, offsets in hex, expected vs found
  SourceRef where;
};

template <class T>
using Result = tl::expected<T, Error>;

[[nodiscard]] inline tl::unexpected<Error> make_error(ErrorCode code, std::string message,
                                                      SourceRef where = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(where)});
}

/// "path: message" or "path+0x1c: message" for one-line error output.
std::string to_string(const Error& e);

/// Overflow-checked arithmetic on file-derived sizes.
[[nodiscard]] inline bool checked_add(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}
[[nodiscard]] inline bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

}  // namespace ofsck
