#pragma once
/// One compressed part of an initramfs image, decoded the way the kernel's decompressor for its
/// method consumes input (see read/archive/initramfs.cc for the walk and the per-method rules):
/// the output, capped, and exactly how many input bytes the decompressor reads.
#include <cstdint>
#include <span>
#include <string>

#include "read/buffer.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// One decoded compressed part: its output and the input bytes its kernel decompressor
/// consumes (the next part starts right after them).
struct DecodedPart {
  Buffer out;
  uint64_t consumed = 0;
};

/// decompress_method() on the bytes at `at` in `path` (`in` starts there): picks the method from
/// the first two bytes (its name in `method`, "" when none) and decodes one part with output
/// capped at `budget` bytes. Errors name `path` and the offset.
[[nodiscard]] Result<DecodedPart> decode_part(std::span<const std::byte> in,
                                              const std::string& path, uint64_t at, uint64_t budget,
                                              std::string& method);

}  // namespace ofsck::read
