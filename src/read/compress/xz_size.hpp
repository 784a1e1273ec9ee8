#pragma once
/// The decompressed size an .xz file declares in its index, read from the end of the file
/// (stream footer → backward size → index), as `xz --list` reports it. A hint only: the
/// decoder still checks every byte, and a file that lies is caught there.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ofsck::read {

/// The uncompressed size of a single-stream .xz file (trailing stream padding allowed);
/// nullopt when the footer or index does not parse, or the file holds several streams.
std::optional<uint64_t> xz_declared_size(std::span<const std::byte> in);

}  // namespace ofsck::read
