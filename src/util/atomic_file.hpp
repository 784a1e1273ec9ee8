#pragma once
/// Writing a file so that a reader sees the old content or the new, never a torn one: a
/// temporary file in the same directory (same filesystem), then rename(2).
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace ofsck {

/// Writes `bytes` to `path` atomically (kIo naming the file on failure; no temporary is left).
[[nodiscard]] Result<void> write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace ofsck
