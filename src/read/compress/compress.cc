#include "read/compress/compress.hpp"

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "read/compress/chunk_out.hpp"
#include "read/compress/xz_size.hpp"

namespace ofsck::read {
namespace {

using compress_detail::ChunkOut;
using compress_detail::corrupt;
using compress_detail::finish;
using compress_detail::Out;
using compress_detail::SinkOut;
using compress_detail::step;
using compress_detail::too_large;

constexpr uint8_t kZstdMagic[] = {0x28, 0xB5, 0x2F, 0xFD};
constexpr uint8_t kXzMagic[] = {0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00};
constexpr uint8_t kGzipMagic[] = {0x1F, 0x8B};

template <size_t N>
bool has_magic(std::span<const std::byte> b, const uint8_t (&m)[N]) {
  return b.size() >= N && std::memcmp(b.data(), m, N) == 0;
}

/// Out into one Buffer that grows geometrically up to the cap; the first size is a hint. Once
/// the cap is filled the decoder gets a small spill area instead: a stream that ends exactly
/// at the cap is accepted, one byte more is kTooLarge.
class BufferOut final : public Out {
 public:
  BufferOut(uint64_t hint, uint64_t cap)
      : Out(cap), buf_(std::min(std::max<uint64_t>(hint, 4096), cap)) {}
  std::span<std::byte> space() override {
    if (used_ == buf_.size() && buf_.size() < cap_) {
      uint64_t n = buf_.size() * 2;
      if (n > cap_ || n < buf_.size()) n = cap_;
      buf_.resize(n);
    }
    if (used_ < buf_.size()) return buf_.mutable_span().subspan(used_);
    return spill_;
  }
  ChunkOut::Flush wrote(size_t n) override {
    used_ += n;
    return used_ > cap_ ? ChunkOut::kTooLarge : ChunkOut::kMore;
  }
  ChunkOut::Flush end() override { return ChunkOut::kMore; }
  uint64_t total() const override { return used_; }
  Buffer take() {
    buf_.truncate(used_);
    return std::move(buf_);
  }

 private:
  Buffer buf_;
  uint64_t used_ = 0;
  std::array<std::byte, 64> spill_{};
};

// kmod: lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED). The memlimit guards the
// dictionary allocation; 1 GiB is far above any real module's 2 MiB dictionary.
Result<uint64_t> run_xz(std::span<const std::byte> in, Out& out, const std::string& path) {
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&s, uint64_t{1} << 30, LZMA_CONCATENATED) != LZMA_OK)
    return make_error(ErrorCode::kIo, "liblzma: cannot initialise decoder", SourceRef{path});
  return compress_detail::run_lzma(s, in, out, path, "xz");
}

Result<uint64_t> run_zstd(std::span<const std::byte> in, Out& out, const std::string& path) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return make_error(ErrorCode::kIo, "libzstd: cannot create context", SourceRef{path});
  // Cap the window (zstd's own default is 2^27); a forged header asking for more is rejected.
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 27);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t last = 1;
  while (ib.pos < ib.size || last != 0) {
    const std::span<std::byte> sp = out.space();
    ZSTD_outBuffer ob{sp.data(), sp.size(), 0};
    const size_t before_in = ib.pos;
    last = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(last)) return corrupt(path, "zstd", ib.pos, ZSTD_getErrorName(last));
    // No progress with room to spare: the input ended inside a frame.
    if (ib.pos == ib.size && last != 0 && ob.pos == 0 && ib.pos == before_in)
      return corrupt(path, "zstd", ib.pos, "unexpected end of input", ErrorCode::kTruncated);
    if (auto done = step(out, ob.pos, path, "zstd")) return *done;
  }
  return finish(out, path, "zstd");
}

Result<uint64_t> run_gzip(std::span<const std::byte> in, Out& out, const std::string& path) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK)
    return make_error(ErrorCode::kIo, "zlib: cannot initialise inflate", SourceRef{path});
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  // zlib's avail_in/avail_out are uInt: feed in chunks.
  uint64_t in_pos = 0;
  constexpr uint64_t kChunk = 1u << 30;
  for (;;) {
    const std::span<std::byte> sp = out.space();
    const uint64_t ain = std::min<uint64_t>(in.size() - in_pos, kChunk);
    const uint64_t aout = std::min<uint64_t>(sp.size(), kChunk);
    z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data() + in_pos));
    z.avail_in = static_cast<uInt>(ain);
    z.next_out = reinterpret_cast<Bytef*>(sp.data());
    z.avail_out = static_cast<uInt>(aout);
    const int r = inflate(&z, Z_NO_FLUSH);
    in_pos += ain - z.avail_in;
    const bool needs_room = r == Z_BUF_ERROR && z.avail_out == 0;
    if (r != Z_OK && r != Z_STREAM_END && !needs_room) {
      if (r == Z_BUF_ERROR)
        return corrupt(path, "gzip", in_pos, "unexpected end of input", ErrorCode::kTruncated);
      return corrupt(path, "gzip", in_pos, z.msg ? z.msg : fmt::format("zlib error {}", r));
    }
    if (auto done = step(out, aout - z.avail_out, path, "gzip")) return *done;
    if (r == Z_STREAM_END) {
      // gzread (kmod) accepts concatenated members; skip trailing zero padding like gzip(1).
      uint64_t rest = in_pos;
      while (rest < in.size() && in[rest] == std::byte{0}) ++rest;
      if (rest >= in.size() || inflateReset(&z) != Z_OK) break;
    }
  }
  return finish(out, path, "gzip");
}

/// The one decoding loop of format `c` (not kNone) into `out`.
Result<uint64_t> run(std::span<const std::byte> in, model::Compression c, Out& out,
                     const std::string& path) {
  switch (c) {
    case model::Compression::kXz: return run_xz(in, out, path);
    case model::Compression::kZstd: return run_zstd(in, out, path);
    case model::Compression::kGzip: return run_gzip(in, out, path);
    case model::Compression::kNone: break;
  }
  return make_error(ErrorCode::kUnsupported, "unknown compression", SourceRef{path});
}

/// The first size of the output buffer: the size a zstd frame or an xz index declares (+1, so
/// that the stream ends before the buffer is full and needs no doubling), else 4 times the
/// input (7.x modules are 5.5x their .xz: a guess grew and copied ~90% of them once).
uint64_t size_hint(std::span<const std::byte> in, model::Compression c, uint64_t cap) {
  if (c == model::Compression::kXz) {
    if (std::optional<uint64_t> n = xz_declared_size(in)) return std::min<uint64_t>(*n + 1, cap);
  }
  if (c == model::Compression::kZstd) {
    const unsigned long long n = ZSTD_getFrameContentSize(in.data(), in.size());
    if (n != ZSTD_CONTENTSIZE_UNKNOWN && n != ZSTD_CONTENTSIZE_ERROR)
      return std::min<uint64_t>(n + 1, cap);
  }
  return in.size() * 4;
}

}  // namespace

model::Compression sniff_compression(std::span<const std::byte> bytes) {
  if (has_magic(bytes, kZstdMagic)) return model::Compression::kZstd;
  if (has_magic(bytes, kXzMagic)) return model::Compression::kXz;
  if (has_magic(bytes, kGzipMagic)) return model::Compression::kGzip;
  return model::Compression::kNone;
}

const char* compression_name(model::Compression c) {
  switch (c) {
    case model::Compression::kNone: return "none";
    case model::Compression::kXz: return "xz";
    case model::Compression::kZstd: return "zstd";
    case model::Compression::kGzip: return "gzip";
  }
  return "?";
}

namespace {

/// Output held while the size is unknown. Every real module fits (the largest Debian 7.2
/// module, amdgpu.ko, is 45 MiB); a bigger stream is measured before anything is kept.
constexpr uint64_t kHeldWhileGrowing = uint64_t{64} << 20;

Result<Buffer> decompress_growing(std::span<const std::byte> in, model::Compression c,
                                  uint64_t max_out, const std::string& path) {
  if (c == model::Compression::kNone) {
    if (in.size() > max_out) return too_large(path, "raw", max_out);
    return Buffer::copy_of(in);
  }
  BufferOut out(size_hint(in, c, max_out), max_out);
  if (Result<uint64_t> n = run(in, c, out, path); !n) return tl::unexpected(n.error());
  return out.take();
}

}  // namespace

// The kernel sets no limit on a decompressed module: kernel/module/decompress.c adds pages
// until the stream ends and init_module() vmallocs whatever length kmod hands it (only the
// file finit_module() reads is capped, at INT_MAX bytes). The cap is ofsck's: a stream that
// would exceed it is reported, naming the file, instead of being held. Memory stays bounded
// either way: past kHeldWhileGrowing the stream is first decoded without keeping the output,
// to learn its exact size, and only a stream within the cap is decoded again into one buffer
// of that size (a 1 GiB xz bomb costs 64 MiB and one pass, not the cap plus the doubling).
Result<Buffer> decompress(std::span<const std::byte> in, model::Compression c, uint64_t max_out,
                          const std::string& path) {
  if (c == model::Compression::kNone || max_out <= kHeldWhileGrowing)
    return decompress_growing(in, c, max_out, path);
  Result<Buffer> first = decompress_growing(in, c, kHeldWhileGrowing, path);
  if (first || first.error().code != ErrorCode::kTooLarge) return first;
  first = Buffer();
  Result<uint64_t> size =
      decompress_to(in, c, max_out, path, [](std::span<const std::byte>) { return true; });
  if (!size) return tl::unexpected(size.error());
  BufferOut out(*size, *size);
  if (Result<uint64_t> n = run(in, c, out, path); !n) return tl::unexpected(n.error());
  return out.take();
}

Result<uint64_t> decompress_to(std::span<const std::byte> in, model::Compression c,
                               uint64_t max_out, const std::string& path, const ChunkSink& sink) {
  switch (c) {
    case model::Compression::kNone:
      if (in.size() > max_out) return too_large(path, "raw", max_out);
      for (size_t off = 0; off < in.size(); off += ChunkOut::kSize) {
        const size_t n = std::min<size_t>(ChunkOut::kSize, in.size() - off);
        if (!sink(in.subspan(off, n))) return off + n;
      }
      return in.size();
    case model::Compression::kXz:
    case model::Compression::kZstd:
    case model::Compression::kGzip: break;
  }
  SinkOut out(max_out, sink);
  return run(in, c, out, path);
}

namespace compress_detail {

// LZMA_RUN while more input may come (lzma_code() then returns LZMA_OK once it has used what
// it was given); LZMA_FINISH once the pieces ended: it returns only when the output space is
// full, the stream ended, or no progress is possible (LZMA_BUF_ERROR on the call after).
Result<uint64_t> run_lzma_pieces(lzma_stream& s, const InputPieces& more, Out& out,
                                 const std::string& path, const char* fmt_name) {
  std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&s, lzma_end);
  bool ended = false;
  for (;;) {
    if (s.avail_in == 0 && !ended) {
      Result<std::span<const std::byte>> piece = more();
      if (!piece) return tl::unexpected(piece.error());
      ended = piece->empty();
      s.next_in = reinterpret_cast<const uint8_t*>(piece->data());
      s.avail_in = piece->size();
    }
    const std::span<std::byte> sp = out.space();
    s.next_out = reinterpret_cast<uint8_t*>(sp.data());
    s.avail_out = sp.size();
    const lzma_ret r = lzma_code(&s, ended ? LZMA_FINISH : LZMA_RUN);
    if (r != LZMA_OK && r != LZMA_STREAM_END) return lzma_failure(path, fmt_name, s.total_in, r);
    if (auto done = step(out, sp.size() - s.avail_out, path, fmt_name)) return *done;
    if (r == LZMA_STREAM_END) return finish(out, path, fmt_name);
  }
}

Result<uint64_t> run_lzma(lzma_stream& s, std::span<const std::byte> in, Out& out,
                          const std::string& path, const char* fmt_name) {
  bool given = false;
  return run_lzma_pieces(
      s,
      [&]() -> Result<std::span<const std::byte>> {
        if (given) return std::span<const std::byte>();
        given = true;
        return in;
      },
      out, path, fmt_name);
}

}  // namespace compress_detail
}  // namespace ofsck::read
