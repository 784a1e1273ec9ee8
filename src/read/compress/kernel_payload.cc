// The kernel image's boot decompressors (arch/x86/boot/compressed/misc.c includes exactly one
// lib/decompress_*.c) decode one stream from input_data/input_len, which are the setup
// header's payload: the compressed stream followed by the 4-byte size `size_append` adds.
// Each decoder here stops where its kernel counterpart stops, so that what the image holds
// after that point is never mistaken for part of the kernel.
#include "read/compress/kernel_payload.hpp"

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "read/compress/chunk_out.hpp"

namespace ofsck::read {
namespace {

using compress_detail::ChunkOut;
using compress_detail::corrupt;
using compress_detail::too_large;
using Bytes = std::span<const std::byte>;

uint32_t le32(const std::byte* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}
uint32_t be32(const std::byte* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}
uint8_t u8(Bytes in, size_t i) { return static_cast<uint8_t>(in[i]); }

/// Flush result → decoding outcome: nullopt to continue.
std::optional<Result<uint64_t>> after_flush(ChunkOut& out, size_t n, const std::string& path,
                                            const char* name, uint64_t cap) {
  const ChunkOut::Flush f = out.flush(n);
  return compress_detail::after(f, out.total(), path, name, cap);
}

// lib/decompress_inflate.c __gunzip(): 1f 8b 08, a 10-byte header, an optional NUL-terminated
// name (FLG.FNAME; no other optional field is skipped), then raw deflate until its end. The
// gzip trailer (CRC-32, ISIZE) is not checked.
Result<uint64_t> payload_gzip(Bytes in, uint64_t cap, const std::string& path,
                              const ChunkSink& sink) {
  if (in.size() < 10 || u8(in, 0) != 0x1f || u8(in, 1) != 0x8b || u8(in, 2) != 0x08)
    return corrupt(path, "gzip", 0, "not a gzip file (no 1f 8b 08)");
  size_t pos = 10;
  if (u8(in, 3) & 0x8) {
    while (pos < in.size() && in[pos] != std::byte{0}) ++pos;
    if (pos == in.size()) return corrupt(path, "gzip", 10, "header error (unterminated file name)");
    ++pos;
  }
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
    return make_error(ErrorCode::kIo, "zlib: cannot initialise inflate", SourceRef{path});
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  ChunkOut out(cap, sink);
  z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data() + pos));
  z.avail_in = static_cast<uInt>(in.size() - pos);  // payloads are read with a 256 MiB cap
  for (;;) {
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int r = inflate(&z, Z_NO_FLUSH);
    const size_t produced = out.size() - z.avail_out;
    const uint64_t off = pos + z.total_in;
    // Z_BUF_ERROR: no progress was possible; with output space to spare, the input ended.
    if (r != Z_OK && r != Z_STREAM_END) {
      if (r == Z_BUF_ERROR && z.avail_in == 0)
        return corrupt(path, "gzip", off, "unexpected end of input", ErrorCode::kTruncated);
      return corrupt(path, "gzip", off, z.msg ? z.msg : fmt::format("zlib error {}", r));
    }
    if (auto done = after_flush(out, produced, path, "gzip", cap)) return *done;
    if (r == Z_STREAM_END) return out.total();
  }
}

// lib/decompress_bunzip2.c: one bzip2 stream ("BZh" + level, blocks, end-of-stream marker
// with the combined CRC); what follows is not read.
Result<uint64_t> payload_bzip2(Bytes in, uint64_t cap, const std::string& path,
                               const ChunkSink& sink) {
  bz_stream s{};
  if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
    return make_error(ErrorCode::kIo, "libbz2: cannot initialise decoder", SourceRef{path});
  std::unique_ptr<bz_stream, int (*)(bz_stream*)> guard(&s, BZ2_bzDecompressEnd);
  ChunkOut out(cap, sink);
  s.next_in = const_cast<char*>(reinterpret_cast<const char*>(in.data()));
  s.avail_in = static_cast<unsigned>(in.size());
  for (;;) {
    s.next_out = reinterpret_cast<char*>(out.data());
    s.avail_out = static_cast<unsigned>(out.size());
    const unsigned before_in = s.avail_in;
    const int r = BZ2_bzDecompress(&s);
    const size_t produced = out.size() - s.avail_out;
    const uint64_t off = in.size() - s.avail_in;
    if (r != BZ_OK && r != BZ_STREAM_END) {
      const char* what = r == BZ_DATA_ERROR_MAGIC ? "not a bzip2 stream (no \"BZh\")"
                         : r == BZ_DATA_ERROR     ? "compressed data is corrupt (CRC mismatch)"
                                                  : "libbz2 error";
      return corrupt(path, "bzip2", off, fmt::format("{} ({})", what, r));
    }
    if (auto done = after_flush(out, produced, path, "bzip2", cap)) return *done;
    if (r == BZ_STREAM_END) return out.total();
    if (produced == 0 && s.avail_in == 0 && before_in == 0)
      return corrupt(path, "bzip2", off, "unexpected end of input", ErrorCode::kTruncated);
  }
}

// lib/decompress_unxz.c: xz_dec_run() in single-call mode decodes one .xz stream and returns
// XZ_STREAM_END after its footer; stream padding and the size trailer are not read.
Result<uint64_t> payload_xz(Bytes in, uint64_t cap, const std::string& path,
                            const ChunkSink& sink) {
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&s, uint64_t{1} << 30, 0) != LZMA_OK)
    return make_error(ErrorCode::kIo, "liblzma: cannot initialise decoder", SourceRef{path});
  compress_detail::SinkOut out(cap, sink);
  return compress_detail::run_lzma(s, in, out, path, "xz");
}

// lib/decompress_unlzma.c: the 13-byte .lzma header (properties, dictionary size, 64-bit
// uncompressed size) and the LZMA1 stream up to that size or its end marker.
Result<uint64_t> payload_lzma(Bytes in, uint64_t cap, const std::string& path,
                              const ChunkSink& sink) {
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_alone_decoder(&s, uint64_t{1} << 30) != LZMA_OK)
    return make_error(ErrorCode::kIo, "liblzma: cannot initialise decoder", SourceRef{path});
  compress_detail::SinkOut out(cap, sink);
  return compress_detail::run_lzma(s, in, out, path, "lzma");
}

constexpr uint8_t kLzopMagic[] = {0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a};
constexpr size_t kLzoBlock = size_t{256} * 1024;  // LZO_BLOCK_SIZE

/// unlzo.c parse_header(): the length of the lzop file header, 0 when it is invalid.
size_t lzop_header_len(Bytes in) {
  constexpr size_t kMin = 9 + 7 + 4 + 8 + 1 + 4;  // HEADER_SIZE_MIN
  if (in.size() < kMin || std::memcmp(in.data(), kLzopMagic, 9) != 0) return 0;
  const uint16_t version = static_cast<uint16_t>(u8(in, 9) << 8 | u8(in, 10));
  size_t p = 9 + 7;
  if (version >= 0x0940) ++p;                        // level
  p += (be32(in.data() + p) & 0x00000800u) ? 8 : 4;  // flags (+ filter)
  if (in.size() - p < 8 + 1 + 4) return 0;
  p += 8;                         // mode, mtime_low
  if (version >= 0x0940) p += 4;  // mtime_high
  if (p >= in.size()) return 0;
  const size_t name_len = u8(in, p++);
  if (in.size() - p < name_len + 4) return 0;
  return p + name_len + 4;  // name, header checksum
}

// lib/decompress_unlzo.c unlzo(): after the header, blocks of {uncompressed length,
// compressed length, one 4-byte checksum (not checked), data} until uncompressed length 0.
Result<uint64_t> payload_lzo(Bytes in, uint64_t cap, const std::string& path,
                             const ChunkSink& sink) {
  static const bool lzo_ready = lzo_init() == LZO_E_OK;
  if (!lzo_ready) return make_error(ErrorCode::kIo, "liblzo2: lzo_init failed", SourceRef{path});
  size_t pos = lzop_header_len(in);
  if (pos == 0) return corrupt(path, "lzo", 0, "invalid header (not an lzop file)");
  ChunkOut out(cap, sink, kLzoBlock);
  for (;;) {
    if (in.size() - pos < 4)
      return corrupt(path, "lzo", pos, "file corrupted (no block length)", ErrorCode::kTruncated);
    const uint32_t dst_len = be32(in.data() + pos);
    pos += 4;
    if (dst_len == 0) return out.total();
    if (dst_len > kLzoBlock)
      return corrupt(path, "lzo", pos - 4,
                     fmt::format("dest len 0x{:x} longer than block size", dst_len));
    if (in.size() - pos < 8)
      return corrupt(path, "lzo", pos, "file corrupted (no compressed length)",
                     ErrorCode::kTruncated);
    const uint32_t src_len = be32(in.data() + pos);
    pos += 8;
    if (src_len == 0 || src_len > dst_len)
      return corrupt(path, "lzo", pos - 8,
                     fmt::format("file corrupted (compressed length 0x{:x})", src_len));
    if (in.size() - pos < src_len)
      return corrupt(path, "lzo", pos, "file corrupted (block runs past the payload)",
                     ErrorCode::kTruncated);
    if (src_len == dst_len) {
      std::memcpy(out.data(), in.data() + pos, src_len);  // a stored block
    } else {
      lzo_uint n = dst_len;
      const int r = lzo1x_decompress_safe(reinterpret_cast<const unsigned char*>(in.data() + pos),
                                          src_len, out.data(), &n, nullptr);
      if (r != LZO_E_OK || n != dst_len)
        return corrupt(path, "lzo", pos,
                       fmt::format("compressed data violation (lzo error {})", r));
    }
    pos += src_len;
    if (auto done = after_flush(out, dst_len, path, "lzo", cap)) return *done;
  }
}

// lib/decompress_unlz4.c unlz4(buf, in_len - 4): the legacy format of `lz4 -l` (magic
// 0x184C2102, then chunks of {le32 compressed size, data} of at most 8 MiB each, the magic
// allowed again between chunks), until exactly in_len - 4 bytes are consumed.
Result<uint64_t> payload_lz4(Bytes in, uint64_t cap, const std::string& path,
                             const ChunkSink& sink) {
  constexpr uint32_t kMagic = 0x184C2102;
  constexpr size_t kChunk = size_t{8} << 20;  // LZ4_DEFAULT_UNCOMPRESSED_CHUNK_SIZE
  if (in.size() < 8 || le32(in.data()) != kMagic)
    return corrupt(path, "lz4", 0, "invalid header (no legacy lz4 magic 02 21 4c 18)");
  const size_t end = in.size() - 4;  // the size trailer is not part of the stream
  size_t pos = 4;
  ChunkOut out(cap, sink, kChunk);
  for (;;) {
    if (end - pos < 4)
      return corrupt(path, "lz4", pos, "unexpected end of input", ErrorCode::kTruncated);
    const uint32_t chunk = le32(in.data() + pos);
    pos += 4;
    if (chunk == kMagic) continue;
    if (chunk > end - pos)
      return corrupt(path, "lz4", pos - 4,
                     fmt::format("data corrupted (chunk of 0x{:x} bytes runs past the payload)",
                                 chunk));
    const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data() + pos),
                                      reinterpret_cast<char*>(out.data()), static_cast<int>(chunk),
                                      static_cast<int>(kChunk));
    if (n < 0) return corrupt(path, "lz4", pos, "decoding failed");
    pos += chunk;
    if (auto done = after_flush(out, static_cast<size_t>(n), path, "lz4", cap)) return *done;
    if (pos == end) return out.total();
  }
}

// lib/decompress_unzstd.c decompress_single(): zstd_find_frame_compressed_size() first ("there
// may be junk at the end of the frame"), then that one frame.
Result<uint64_t> payload_zstd(Bytes in, uint64_t cap, const std::string& path,
                              const ChunkSink& sink) {
  const size_t frame = ZSTD_findFrameCompressedSize(in.data(), in.size());
  if (ZSTD_isError(frame)) return corrupt(path, "zstd", 0, ZSTD_getErrorName(frame));
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return make_error(ErrorCode::kIo, "libzstd: cannot create context", SourceRef{path});
  // zstd -22 --ultra (cmd_zstd22) uses a 2^27 window; a forged header asking for more is refused.
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 27);
  ChunkOut out(cap, sink);
  ZSTD_inBuffer ib{in.data(), frame, 0};
  for (;;) {
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    const size_t r = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(r)) return corrupt(path, "zstd", ib.pos, ZSTD_getErrorName(r));
    if (auto done = after_flush(out, ob.pos, path, "zstd", cap)) return *done;
    if (r == 0) return out.total();
    if (ob.pos == 0 && ib.pos == ib.size)
      return corrupt(path, "zstd", ib.pos, "unexpected end of input", ErrorCode::kTruncated);
  }
}

}  // namespace

const char* payload_format_name(PayloadFormat f) {
  switch (f) {
    case PayloadFormat::kGzip: return "gzip";
    case PayloadFormat::kBzip2: return "bzip2";
    case PayloadFormat::kLzma: return "lzma";
    case PayloadFormat::kXz: return "xz";
    case PayloadFormat::kLzo: return "lzo";
    case PayloadFormat::kLz4: return "lz4";
    case PayloadFormat::kZstd: return "zstd";
  }
  return "?";
}

std::optional<PayloadFormat> sniff_payload(Bytes p) {
  if (p.size() < 2) return std::nullopt;
  const uint8_t a = u8(p, 0), b = u8(p, 1);
  if (a == 0x1f && (b == 0x8b || b == 0x9e)) return PayloadFormat::kGzip;
  if (a == 'B' && b == 'Z') return PayloadFormat::kBzip2;
  if (a == 0x5d && b == 0x00) return PayloadFormat::kLzma;
  if (a == 0xfd && b == '7') return PayloadFormat::kXz;
  if (a == 0x89 && b == 'L') return PayloadFormat::kLzo;
  if (a == 0x02 && b == 0x21) return PayloadFormat::kLz4;
  if (a == 0x28 && b == 0xb5) return PayloadFormat::kZstd;
  return std::nullopt;
}

Result<uint64_t> decompress_payload(Bytes payload, PayloadFormat f, uint64_t max_out,
                                    const std::string& path, const ChunkSink& sink) {
  switch (f) {
    case PayloadFormat::kGzip: return payload_gzip(payload, max_out, path, sink);
    case PayloadFormat::kBzip2: return payload_bzip2(payload, max_out, path, sink);
    case PayloadFormat::kLzma: return payload_lzma(payload, max_out, path, sink);
    case PayloadFormat::kXz: return payload_xz(payload, max_out, path, sink);
    case PayloadFormat::kLzo: return payload_lzo(payload, max_out, path, sink);
    case PayloadFormat::kLz4: return payload_lz4(payload, max_out, path, sink);
    case PayloadFormat::kZstd: return payload_zstd(payload, max_out, path, sink);
  }
  return make_error(ErrorCode::kUnsupported, "unknown payload format", SourceRef{path});
}

}  // namespace ofsck::read

namespace ofsck::read {

Result<uint64_t> decompress_payload_pieces(const compress_detail::InputPieces& more, uint64_t size,
                                           PayloadFormat f, uint64_t max_out,
                                           const std::string& path, const ChunkSink& sink) {
  if (f == PayloadFormat::kXz || f == PayloadFormat::kLzma) {
    lzma_stream s = LZMA_STREAM_INIT;
    const lzma_ret init = f == PayloadFormat::kXz ? lzma_stream_decoder(&s, uint64_t{1} << 30, 0)
                                                  : lzma_alone_decoder(&s, uint64_t{1} << 30);
    if (init != LZMA_OK)
      return make_error(ErrorCode::kIo, "liblzma: cannot initialise decoder", SourceRef{path});
    compress_detail::SinkOut out(max_out, sink);
    return compress_detail::run_lzma_pieces(s, more, out, path, payload_format_name(f));
  }
  std::vector<std::byte> all;
  all.reserve(size);
  for (;;) {
    Result<std::span<const std::byte>> piece = more();
    if (!piece) return tl::unexpected(piece.error());
    if (piece->empty()) break;
    all.insert(all.end(), piece->begin(), piece->end());
  }
  return decompress_payload(all, f, max_out, path, sink);
}

}  // namespace ofsck::read
