#pragma once
/// The compressed payload of a kernel image (x86 bzImage): every format the kernel builds
/// (CONFIG_KERNEL_GZIP/BZIP2/LZMA/XZ/LZO/LZ4/ZSTD), decoded as the kernel's own boot
/// decompressor (lib/decompress_*.c, included by arch/x86/boot/compressed/misc.c) decodes it:
/// one stream, ending where that decompressor stops.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "read/compress/chunk_out.hpp"
#include "read/compress/compress.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// The payload formats of scripts/Makefile.lib's cmd_{gzip,bzip2,lzma,xzkern,lzo,lz4,zstd22}
/// (each followed by the 4-byte little-endian uncompressed size, `size_append`).
enum class PayloadFormat { kGzip, kBzip2, kLzma, kXz, kLzo, kLz4, kZstd };

/// "gzip", "bzip2", "lzma", "xz", "lzo", "lz4", "zstd".
[[nodiscard]] const char* payload_format_name(PayloadFormat f);

/// The format named by the payload's first bytes, as the kernel's decompressors check them
/// (lib/decompress.c compressed_formats[] magics; lzma: properties byte 0x5d and a zero
/// dictionary-size high byte, as `lzma -9` writes). nullopt when none matches.
[[nodiscard]] std::optional<PayloadFormat> sniff_payload(std::span<const std::byte> payload);

/// Decodes `payload` (the bytes the setup header's payload_offset/payload_length name, the
/// size trailer included) and hands the output to `sink` in order, as decompress_to() does.
/// Where each decoding stops, as in the kernel:
///  - gzip: __gunzip(): a 10-byte header (+ FNAME), raw deflate until its end; no CRC check.
///  - bzip2, xz, zstd: the end of the first stream/frame; what follows is never looked at.
///  - lzma: the .lzma ("alone") header's size, or the end marker when the size is unknown.
///  - lzo: unlzo(): the lzop header, then blocks until one with uncompressed length 0.
///  - lz4: unlz4(): the legacy magic, then chunks until exactly payload size - 4 bytes (the
///    size trailer) are consumed; a chunk that overruns them is "data corrupted".
/// Output beyond `max_out` gives kTooLarge; corrupt input gives kMalformed/kTruncated with
/// the payload offset. `path` only labels errors.
[[nodiscard]] Result<uint64_t> decompress_payload(std::span<const std::byte> payload,
                                                  PayloadFormat f, uint64_t max_out,
                                                  const std::string& path, const ChunkSink& sink);

/// The same over a payload of `size` bytes read a piece at a time (`more`): xz and lzma, the
/// formats whose decoder works on a stream, never hold the payload whole; the others gather
/// the pieces first.
[[nodiscard]] Result<uint64_t> decompress_payload_pieces(const compress_detail::InputPieces& more,
                                                         uint64_t size, PayloadFormat f,
                                                         uint64_t max_out, const std::string& path,
                                                         const ChunkSink& sink);

}  // namespace ofsck::read
