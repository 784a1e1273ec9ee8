#include "read/compress/compress.hpp"

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
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
using compress_detail::too_large;

constexpr uint8_t kZstdMagic[] = {0x28, 0xB5, 0x2F, 0xFD};
constexpr uint8_t kXzMagic[] = {0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00};
constexpr uint8_t kGzipMagic[] = {0x1F, 0x8B};

template <size_t N>
bool has_magic(std::span<const std::byte> b, const uint8_t (&m)[N]) {
  return b.size() >= N && std::memcmp(b.data(), m, N) == 0;
}

/// Growable output with a hard cap. Grows geometrically; the first size is a hint.
class Output {
 public:
  Output(uint64_t hint, uint64_t cap) : cap_(cap) { buf_ = Buffer(std::clamp<uint64_t>(hint, 4096, cap ? cap : 1)); }
  /// Makes room for more output; false if the cap is already filled.
  bool grow() {
    if (buf_.size() >= cap_) return false;
    uint64_t n = buf_.size() * 2;
    if (n > cap_ || n < buf_.size()) n = cap_;
    buf_.resize(n);
    return true;
  }
  Buffer& buf() { return buf_; }
  uint64_t cap() const { return cap_; }

 private:
  Buffer buf_;
  uint64_t cap_;
};

Result<Buffer> decompress_xz(std::span<const std::byte> in, uint64_t cap, const std::string& path) {
  lzma_stream s = LZMA_STREAM_INIT;
  // kmod: lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED). The memlimit guards the
  // dictionary allocation; 1 GiB is far above any real module's 2 MiB dictionary.
  if (lzma_stream_decoder(&s, uint64_t{1} << 30, LZMA_CONCATENATED) != LZMA_OK)
    return make_error(ErrorCode::kIo, "liblzma: cannot initialise decoder", SourceRef{path});
  // The size the index declares, plus one byte so that the stream ends before the buffer is
  // full (a module is ~5.5x its .xz: a guess grows and copies ~90% of them once).
  std::optional<uint64_t> declared = xz_declared_size(in);
  Output out(declared ? *declared + 1 : in.size() * 4, cap);
  s.next_in = reinterpret_cast<const uint8_t*>(in.data());
  s.avail_in = in.size();
  s.next_out = reinterpret_cast<uint8_t*>(out.buf().data());
  s.avail_out = out.buf().size();
  for (;;) {
    lzma_ret r = lzma_code(&s, LZMA_FINISH);
    if (r == LZMA_STREAM_END) break;
    if (r == LZMA_OK && s.avail_out == 0) {
      uint64_t used = out.buf().size();
      if (!out.grow()) {
        lzma_end(&s);
        return too_large(path, "xz", cap);
      }
      s.next_out = reinterpret_cast<uint8_t*>(out.buf().data()) + used;
      s.avail_out = out.buf().size() - used;
      continue;
    }
    if (r == LZMA_OK) continue;  // progress made; LZMA_FINISH loops until END or error
    uint64_t off = s.total_in;
    lzma_end(&s);
    switch (r) {
      case LZMA_BUF_ERROR: return corrupt(path, "xz", off, "unexpected end of input", ErrorCode::kTruncated);
      case LZMA_FORMAT_ERROR: return corrupt(path, "xz", off, "not in .xz format");
      case LZMA_OPTIONS_ERROR: return corrupt(path, "xz", off, "unsupported options");
      case LZMA_DATA_ERROR: return corrupt(path, "xz", off, "compressed data is corrupt");
      case LZMA_MEMLIMIT_ERROR: return corrupt(path, "xz", off, "dictionary above 1 GiB memory limit", ErrorCode::kTooLarge);
      default: return corrupt(path, "xz", off, fmt::format("liblzma error {}", static_cast<int>(r)));
    }
  }
  uint64_t n = s.total_out;
  lzma_end(&s);
  out.buf().truncate(n);
  return std::move(out.buf());
}

Result<Buffer> decompress_zstd(std::span<const std::byte> in, uint64_t cap, const std::string& path) {
  unsigned long long hint = ZSTD_getFrameContentSize(in.data(), in.size());
  uint64_t h = (hint == ZSTD_CONTENTSIZE_UNKNOWN || hint == ZSTD_CONTENTSIZE_ERROR)
                   ? in.size() * 4
                   : std::min<uint64_t>(hint + 1, cap);
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return make_error(ErrorCode::kIo, "libzstd: cannot create context", SourceRef{path});
  // Cap the window (zstd's own default is 2^27); a forged header asking for more is rejected.
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 27);
  Output out(h, cap);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  ZSTD_outBuffer ob{out.buf().data(), out.buf().size(), 0};
  size_t last = 1;
  while (ib.pos < ib.size || last != 0) {
    if (ob.pos == ob.size) {
      if (!out.grow()) return too_large(path, "zstd", cap);
      ob.dst = out.buf().data();
      ob.size = out.buf().size();
    }
    size_t before_in = ib.pos, before_out = ob.pos;
    last = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(last)) return corrupt(path, "zstd", ib.pos, ZSTD_getErrorName(last));
    if (ib.pos == ib.size && last != 0 && ob.pos < ob.size && ob.pos == before_out &&
        ib.pos == before_in)
      return corrupt(path, "zstd", ib.pos, "unexpected end of input", ErrorCode::kTruncated);
  }
  out.buf().truncate(ob.pos);
  return std::move(out.buf());
}

Result<Buffer> decompress_gzip(std::span<const std::byte> in, uint64_t cap, const std::string& path) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK)
    return make_error(ErrorCode::kIo, "zlib: cannot initialise inflate", SourceRef{path});
  Output out(in.size() * 4, cap);
  // zlib's avail_in/avail_out are uInt: feed in chunks.
  uint64_t in_pos = 0, out_pos = 0;
  constexpr uint64_t kChunk = 1u << 30;
  for (;;) {
    if (out_pos == out.buf().size() && !out.grow()) {
      inflateEnd(&z);
      return too_large(path, "gzip", cap);
    }
    uint64_t ain = std::min<uint64_t>(in.size() - in_pos, kChunk);
    uint64_t aout = std::min<uint64_t>(out.buf().size() - out_pos, kChunk);
    z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data() + in_pos));
    z.avail_in = static_cast<uInt>(ain);
    z.next_out = reinterpret_cast<Bytef*>(out.buf().data() + out_pos);
    z.avail_out = static_cast<uInt>(aout);
    int r = inflate(&z, Z_NO_FLUSH);
    in_pos += ain - z.avail_in;
    out_pos += aout - z.avail_out;
    if (r == Z_STREAM_END) {
      // gzread (kmod) accepts concatenated members; skip trailing zero padding like gzip(1).
      uint64_t rest = in_pos;
      while (rest < in.size() && in[rest] == std::byte{0}) ++rest;
      if (rest >= in.size()) break;
      if (inflateReset(&z) != Z_OK) break;
      continue;
    }
    if (r == Z_OK) continue;
    if (r == Z_BUF_ERROR && z.avail_out == 0) continue;  // needs more output space
    inflateEnd(&z);
    if (r == Z_BUF_ERROR)
      return corrupt(path, "gzip", in_pos, "unexpected end of input", ErrorCode::kTruncated);
    return corrupt(path, "gzip", in_pos, z.msg ? z.msg : fmt::format("zlib error {}", r));
  }
  inflateEnd(&z);
  out.buf().truncate(out_pos);
  return std::move(out.buf());
}

Result<uint64_t> stream_xz(std::span<const std::byte> in, uint64_t cap, const std::string& path,
                           const ChunkSink& sink) {
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&s, uint64_t{1} << 30, LZMA_CONCATENATED) != LZMA_OK)
    return make_error(ErrorCode::kIo, "liblzma: cannot initialise decoder", SourceRef{path});
  ChunkOut out(cap, sink);
  s.next_in = reinterpret_cast<const uint8_t*>(in.data());
  s.avail_in = in.size();
  s.next_out = out.data();
  s.avail_out = out.size();
  for (;;) {
    lzma_ret r = lzma_code(&s, LZMA_FINISH);
    if (r == LZMA_STREAM_END) break;
    if (r == LZMA_OK && s.avail_out == 0) {
      const ChunkOut::Flush f = out.flush(out.size());
      if (f != ChunkOut::kMore) {
        lzma_end(&s);
        if (f == ChunkOut::kStop) return out.total();
        return too_large(path, "xz", cap);
      }
      s.next_out = out.data();
      s.avail_out = out.size();
      continue;
    }
    if (r == LZMA_OK) continue;
    uint64_t off = s.total_in;
    lzma_end(&s);
    switch (r) {
      case LZMA_BUF_ERROR: return corrupt(path, "xz", off, "unexpected end of input", ErrorCode::kTruncated);
      case LZMA_FORMAT_ERROR: return corrupt(path, "xz", off, "not in .xz format");
      case LZMA_OPTIONS_ERROR: return corrupt(path, "xz", off, "unsupported options");
      case LZMA_DATA_ERROR: return corrupt(path, "xz", off, "compressed data is corrupt");
      case LZMA_MEMLIMIT_ERROR: return corrupt(path, "xz", off, "dictionary above 1 GiB memory limit", ErrorCode::kTooLarge);
      default: return corrupt(path, "xz", off, fmt::format("liblzma error {}", static_cast<int>(r)));
    }
  }
  size_t rest = out.size() - s.avail_out;
  lzma_end(&s);
  if (out.flush(rest) == ChunkOut::kTooLarge) return too_large(path, "xz", cap);
  return out.total();
}

Result<uint64_t> stream_zstd(std::span<const std::byte> in, uint64_t cap, const std::string& path,
                             const ChunkSink& sink) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return make_error(ErrorCode::kIo, "libzstd: cannot create context", SourceRef{path});
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 27);
  ChunkOut out(cap, sink);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  size_t last = 1;
  while (ib.pos < ib.size || last != 0) {
    if (ob.pos == ob.size) {
      const ChunkOut::Flush f = out.flush(ob.pos);
      if (f == ChunkOut::kStop) return out.total();
      if (f == ChunkOut::kTooLarge) return too_large(path, "zstd", cap);
      ob.pos = 0;
    }
    size_t before_in = ib.pos, before_out = ob.pos;
    last = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(last)) return corrupt(path, "zstd", ib.pos, ZSTD_getErrorName(last));
    if (ib.pos == ib.size && last != 0 && ob.pos < ob.size && ob.pos == before_out &&
        ib.pos == before_in)
      return corrupt(path, "zstd", ib.pos, "unexpected end of input", ErrorCode::kTruncated);
  }
  if (out.flush(ob.pos) == ChunkOut::kTooLarge) return too_large(path, "zstd", cap);
  return out.total();
}

Result<uint64_t> stream_gzip(std::span<const std::byte> in, uint64_t cap, const std::string& path,
                             const ChunkSink& sink) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK)
    return make_error(ErrorCode::kIo, "zlib: cannot initialise inflate", SourceRef{path});
  ChunkOut out(cap, sink);
  uint64_t in_pos = 0, out_pos = 0;
  constexpr uint64_t kChunk = 1u << 30;
  for (;;) {
    if (out_pos == out.size()) {
      const ChunkOut::Flush f = out.flush(out_pos);
      if (f != ChunkOut::kMore) {
        inflateEnd(&z);
        if (f == ChunkOut::kStop) return out.total();
        return too_large(path, "gzip", cap);
      }
      out_pos = 0;
    }
    uint64_t ain = std::min<uint64_t>(in.size() - in_pos, kChunk);
    uint64_t aout = out.size() - out_pos;
    z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data() + in_pos));
    z.avail_in = static_cast<uInt>(ain);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    z.avail_out = static_cast<uInt>(aout);
    int r = inflate(&z, Z_NO_FLUSH);
    in_pos += ain - z.avail_in;
    out_pos += aout - z.avail_out;
    if (r == Z_STREAM_END) {
      uint64_t rest = in_pos;
      while (rest < in.size() && in[rest] == std::byte{0}) ++rest;
      if (rest >= in.size()) break;
      if (inflateReset(&z) != Z_OK) break;
      continue;
    }
    if (r == Z_OK) continue;
    if (r == Z_BUF_ERROR && z.avail_out == 0) continue;
    inflateEnd(&z);
    if (r == Z_BUF_ERROR)
      return corrupt(path, "gzip", in_pos, "unexpected end of input", ErrorCode::kTruncated);
    return corrupt(path, "gzip", in_pos, z.msg ? z.msg : fmt::format("zlib error {}", r));
  }
  inflateEnd(&z);
  if (out.flush(out_pos) == ChunkOut::kTooLarge) return too_large(path, "gzip", cap);
  return out.total();
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
  switch (c) {
    case model::Compression::kNone:
      if (in.size() > max_out) return too_large(path, "raw", max_out);
      return Buffer::copy_of(in);
    case model::Compression::kXz: return decompress_xz(in, max_out, path);
    case model::Compression::kZstd: return decompress_zstd(in, max_out, path);
    case model::Compression::kGzip: return decompress_gzip(in, max_out, path);
  }
  return make_error(ErrorCode::kUnsupported, "unknown compression", SourceRef{path});
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
  Result<uint64_t> size = decompress_to(in, c, max_out, path, [](std::span<const std::byte>) {
    return true;
  });
  if (!size) return tl::unexpected(size.error());
  Buffer out(*size);
  uint64_t at = 0;
  Result<uint64_t> again = decompress_to(in, c, *size, path, [&](std::span<const std::byte> p) {
    std::memcpy(out.data() + at, p.data(), p.size());
    at += p.size();
    return true;
  });
  if (!again) return tl::unexpected(again.error());
  return out;
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
    case model::Compression::kXz: return stream_xz(in, max_out, path, sink);
    case model::Compression::kZstd: return stream_zstd(in, max_out, path, sink);
    case model::Compression::kGzip: return stream_gzip(in, max_out, path, sink);
  }
  return make_error(ErrorCode::kUnsupported, "unknown compression", SourceRef{path});
}

}  // namespace ofsck::read
