#pragma once
/// Decompression of .ko.xz / .ko.zst / .ko.gz payloads, sniffed by magic like kmod's
/// libkmod-file.c (not by extension).
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "model/module.hpp"
#include "read/buffer.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// zstd `28 B5 2F FD`, xz `FD 37 7A 58 5A 00`, gzip `1F 8B`; anything else is kNone (raw ELF).
[[nodiscard]] model::Compression sniff_compression(std::span<const std::byte> bytes);

/// Human name: "none", "xz", "zstd", "gzip".
[[nodiscard]] const char* compression_name(model::Compression c);

/// Decompresses a whole stream (concatenated xz streams / zstd frames / gzip members are
/// accepted like the command-line tools do). Output beyond `max_out` bytes gives kTooLarge
/// (zip bombs); corrupt or truncated input gives kMalformed/kTruncated with the input offset.
/// `path` only labels errors. kNone returns a copy of the input.
[[nodiscard]] Result<Buffer> decompress(std::span<const std::byte> in, model::Compression c,
                                        uint64_t max_out, const std::string& path);

/// Receives decompressed output in order, in chunks of at most a few MiB. Returns false when it
/// needs no more: decoding stops there (the rest of the stream is neither decoded nor checked).
using ChunkSink = std::function<bool(std::span<const std::byte>)>;

/// Same stream handling and errors as decompress(), but hands the output to `sink` chunk by
/// chunk instead of holding all of it (kernel images: 60+ MiB). Returns the total output size.
/// On error the sink may already have seen part of the output. When the sink stops early, the
/// result is the size handed to it so far.
[[nodiscard]] Result<uint64_t> decompress_to(std::span<const std::byte> in, model::Compression c,
                                             uint64_t max_out, const std::string& path,
                                             const ChunkSink& sink);

}  // namespace ofsck::read
