// decode_part() (read/archive/initramfs_part.hpp): one compressed initramfs part, decoded as
// its kernel decompressor consumes input (lib/decompress_*.c; the per-method rules are listed
// at the top of read/archive/initramfs.cc).
#include "read/archive/initramfs_part.hpp"

#include <archive.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace ofsck::read {

namespace {

constexpr uint32_t kLz4LegacyMagic = 0x184C2102;
constexpr uint64_t kLzmaMemlimit = uint64_t{1} << 30;  // as read/compress: no 4 GiB dictionaries

uint32_t le32(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

/// Decodes the compressed part that starts at `at` in `path`: output capped at `budget` bytes.
class PartDecoder {
 public:
  PartDecoder(std::span<const std::byte> in, const std::string& path, uint64_t at, uint64_t budget,
              std::string method)
      : in_(in), path_(path), at_(at), budget_(budget), method_(std::move(method)) {}

  tl::unexpected<Error> fail(ErrorCode code, const std::string& what) const {
    return make_error(code, fmt::format("{} part at offset 0x{:x}: {}", method_, at_, what),
                      {path_, 0, "", at_});
  }

  Result<DecodedPart> gzip() {
    // __gunzip(): the header is checked and skipped by hand (only FNAME is understood), then
    // raw inflate; the 8-byte trailer (CRC32, ISIZE) is skipped without being checked.
    if (in_.size() < 10 || in_[1] != std::byte{0x8b} || in_[2] != std::byte{8})
      return fail(ErrorCode::kMalformed,
                  "not a gzip file (the kernel's gunzip needs 1f 8b 08 and a 10-byte header)");
    const unsigned flags = static_cast<unsigned>(in_[3]);
    if (flags & 0x16)
      return fail(ErrorCode::kUnsupported,
                  fmt::format("gzip header flags 0x{:02x} (FHCRC/FEXTRA/FCOMMENT): the kernel's "
                              "gunzip skips only a file name and would inflate these bytes",
                              flags));
    uint64_t pos = 10;
    if (flags & 0x08) {
      while (pos < in_.size() && in_[pos] != std::byte{0}) ++pos;
      if (pos == in_.size()) return fail(ErrorCode::kTruncated, "header error: unterminated name");
      ++pos;
    }
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw std::bad_alloc();
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
    uint64_t fed = pos;
    std::byte chunk[1 << 16];
    for (;;) {
      if (z.avail_in == 0 && fed < in_.size()) {
        uint64_t n = std::min<uint64_t>(in_.size() - fed, uint64_t{1} << 30);
        z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in_.data() + fed));
        z.avail_in = static_cast<uInt>(n);
        fed += n;
      }
      z.next_out = reinterpret_cast<Bytef*>(chunk);
      z.avail_out = sizeof chunk;
      int rc = inflate(&z, Z_NO_FLUSH);
      if (auto e = put(chunk, sizeof chunk - z.avail_out); !e) return tl::unexpected(e.error());
      if (rc == Z_STREAM_END) break;
      if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed == in_.size())
        return fail(ErrorCode::kTruncated,
                    fmt::format("deflate stream ends early, after 0x{:x} decompressed bytes",
                                used_));
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        return fail(ErrorCode::kMalformed,
                    fmt::format("uncompression error after 0x{:x} decompressed bytes: {}", used_,
                                z.msg ? z.msg : "?"));
    }
    uint64_t end = fed - z.avail_in + 8;
    if (end > in_.size())
      return fail(ErrorCode::kTruncated,
                  fmt::format("the 8-byte gzip trailer is cut off at offset 0x{:x}",
                              at_ + in_.size()));
    return finish(end);
  }

  /// xz (one stream, lzma_stream_decoder without LZMA_CONCATENATED) and lzma
  /// (lzma_alone_decoder): liblzma stops at the stream end and tells the bytes it read.
  Result<DecodedPart> lzma(bool xz) {
    lzma_stream s = LZMA_STREAM_INIT;
    lzma_ret rc =
        xz ? lzma_stream_decoder(&s, kLzmaMemlimit, 0) : lzma_alone_decoder(&s, kLzmaMemlimit);
    if (rc != LZMA_OK) throw std::bad_alloc();
    std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&s, lzma_end);
    s.next_in = reinterpret_cast<const uint8_t*>(in_.data());
    s.avail_in = in_.size();
    std::byte chunk[1 << 16];
    for (;;) {
      s.next_out = reinterpret_cast<uint8_t*>(chunk);
      s.avail_out = sizeof chunk;
      rc = lzma_code(&s, s.avail_in == 0 ? LZMA_FINISH : LZMA_RUN);
      if (auto e = put(chunk, sizeof chunk - s.avail_out); !e) return tl::unexpected(e.error());
      if (rc == LZMA_STREAM_END) break;
      if (rc == LZMA_OK) continue;
      if (rc == LZMA_BUF_ERROR)
        return fail(ErrorCode::kTruncated,
                    fmt::format("stream ends early, after 0x{:x} decompressed bytes", used_));
      return fail(ErrorCode::kMalformed,
                  fmt::format("stream broken at input offset 0x{:x} (liblzma error {})",
                              at_ + s.total_in, static_cast<int>(rc)));
    }
    return finish(s.total_in);
  }

  /// unzstd(): streaming decode until ZSTD_decompressStream() reports the frame complete.
  Result<DecodedPart> zstd() {
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> d(ZSTD_createDCtx(), ZSTD_freeDCtx);
    if (!d) throw std::bad_alloc();
    ZSTD_DCtx_setParameter(d.get(), ZSTD_d_windowLogMax, 27);  // as read/compress
    ZSTD_inBuffer in{in_.data(), in_.size(), 0};
    std::byte chunk[1 << 17];
    for (;;) {
      ZSTD_outBuffer out{chunk, sizeof chunk, 0};
      size_t rc = ZSTD_decompressStream(d.get(), &out, &in);
      if (ZSTD_isError(rc))
        return fail(ErrorCode::kMalformed,
                    fmt::format("frame broken after 0x{:x} decompressed bytes: {}", used_,
                                ZSTD_getErrorName(rc)));
      if (auto e = put(chunk, out.pos); !e) return tl::unexpected(e.error());
      if (rc == 0) break;
      if (in.pos == in.size && out.pos < out.size)
        return fail(ErrorCode::kTruncated,
                    fmt::format("frame ends early, after 0x{:x} decompressed bytes", used_));
    }
    return finish(in.pos);
  }

  /// unlz4() without a fill function: the legacy framing is walked here to find where the
  /// kernel stops, and exactly that span is decoded by libarchive.
  Result<DecodedPart> lz4() {
    if (in_.size() < 4 || le32(in_.data()) != kLz4LegacyMagic)
      return fail(ErrorCode::kMalformed,
                  "invalid header: the kernel's unlz4 reads only the legacy format (lz4 -l, "
                  "magic 02 21 4c 18)");
    uint64_t p = 4;
    for (;;) {
      if (in_.size() - p < 4) break;  // "empty or end-of-file"
      uint32_t cs = le32(in_.data() + p);
      if (cs == kLz4LegacyMagic) {
        p += 4;
        continue;
      }
      if (cs == 0) break;  // zero padding ends the part
      if (cs > in_.size() - p - 4)
        return fail(ErrorCode::kMalformed,
                    fmt::format("data corrupted: chunk at offset 0x{:x} claims 0x{:x} bytes, "
                                "only 0x{:x} follow (the kernel reads everything after a legacy "
                                "lz4 stream as more chunks until zero padding)",
                                at_ + p, cs, in_.size() - p - 4));
      p += 4 + uint64_t{cs};
    }
    uint64_t consumed = 0;
    auto r = with_libarchive(in_.first(p), consumed);
    if (!r) return tl::unexpected(r.error());
    return finish(p);
  }

  /// bunzip2(): libarchive decodes; the bytes its bzip2 filter read end at the stream end,
  /// unless another bzip2 stream follows directly, which the kernel decodes as a part of its
  /// own: split at the first end-of-stream marker followed by a stream header.
  Result<DecodedPart> bzip2() {
    uint64_t consumed = 0;
    auto r = with_libarchive(in_, consumed);
    if (!r) return tl::unexpected(r.error());
    uint64_t split = first_bzip2_stream_end(in_.first(std::min<uint64_t>(consumed, in_.size())));
    if (split == 0 || split >= consumed) return finish(consumed);
    used_ = 0;
    out_ = Buffer();
    r = with_libarchive(in_.first(split), consumed);
    if (!r) return tl::unexpected(r.error());
    return finish(split);
  }

 private:
  Result<bool> put(const std::byte* p, uint64_t n) {
    if (n == 0) return true;
    if (n > budget_ - used_)
      return fail(ErrorCode::kTooLarge,
                  fmt::format("{} output exceeds the cap of 0x{:x} bytes", method_, budget_));
    if (out_.size() - used_ < n) {
      uint64_t want = std::max<uint64_t>({used_ + n, out_.size() * 2, 1 << 16});
      out_.resize(std::min(want, budget_));
    }
    std::memcpy(out_.data() + used_, p, n);
    used_ += n;
    return true;
  }

  Result<DecodedPart> finish(uint64_t consumed) {
    out_.truncate(used_);
    return DecodedPart{std::move(out_), consumed};
  }

  /// Decodes `in` with libarchive's filters (raw format: one data "entry"); `consumed` gets the
  /// bytes the filter read from its input. Only in-process filters: no program is ever run.
  Result<bool> with_libarchive(std::span<const std::byte> in, uint64_t& consumed) {
    std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
    if (!a) throw std::bad_alloc();
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_filter_lz4(a.get());
    archive_read_support_format_raw(a.get());
    auto la_error = [&] {
      const char* e = archive_error_string(a.get());
      return std::string(e ? e : "?");
    };
    if (archive_read_open_memory(a.get(), in.data(), in.size()) != ARCHIVE_OK)
      return fail(ErrorCode::kMalformed, la_error());
    archive_entry* ent = nullptr;
    int rc = archive_read_next_header(a.get(), &ent);
    if (archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_NONE)
      return fail(ErrorCode::kMalformed, "no decompressor recognises the stream");
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return fail(ErrorCode::kMalformed, la_error());
    std::byte chunk[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), chunk, sizeof chunk);
      if (n == 0) break;
      if (n < 0)
        return fail(ErrorCode::kMalformed,
                    fmt::format("stream broken after 0x{:x} decompressed bytes: {}", used_,
                                la_error()));
      if (auto e = put(chunk, static_cast<uint64_t>(n)); !e) return tl::unexpected(e.error());
    }
    int64_t raw = archive_filter_bytes(a.get(), archive_filter_count(a.get()) - 1);
    consumed = raw < 0 ? in.size() : static_cast<uint64_t>(raw);
    return true;
  }

  /// Offset just after the first bzip2 end-of-stream marker (48-bit 0x177245385090, 32-bit
  /// CRC, padding to a byte) that is followed by another stream's "BZh1".."BZh9"; 0 if none.
  static uint64_t first_bzip2_stream_end(std::span<const std::byte> s) {
    constexpr uint64_t kEos = 0x177245385090ull;
    auto bits48 = [&](uint64_t bit) {  // 48 bits from bit offset `bit`, MSB first
      uint64_t v = 0;
      for (uint64_t i = 0; i < 48; ++i, ++bit)
        v = (v << 1) | ((static_cast<unsigned>(s[bit / 8]) >> (7 - bit % 8)) & 1);
      return v;
    };
    for (uint64_t e = 4; e + 4 <= s.size(); ++e) {
      if (std::memcmp(s.data() + e, "BZh", 3) != 0 || static_cast<char>(s[e + 3]) < '1' ||
          static_cast<char>(s[e + 3]) > '9')
        continue;
      for (uint64_t pad = 0; pad < 8; ++pad)
        if (e * 8 >= 80 + pad && bits48(e * 8 - pad - 80) == kEos) return e;
    }
    return 0;
  }

  std::span<const std::byte> in_;
  const std::string& path_;
  uint64_t at_;
  uint64_t budget_;
  std::string method_;
  Buffer out_;
  uint64_t used_ = 0;
};

}  // namespace

/// decompress_method(): the kernel's two-byte magic table, then that method's decoder.
Result<DecodedPart> decode_part(std::span<const std::byte> in, const std::string& path, uint64_t at,
                                uint64_t budget, std::string& method) {
  const unsigned b0 = static_cast<unsigned>(in[0]);
  const unsigned b1 = in.size() > 1 ? static_cast<unsigned>(in[1]) : 0x100;
  struct Magic {
    unsigned b0, b1;
    const char* name;
  };
  static constexpr Magic kTable[] = {{0x1f, 0x8b, "gzip"},  {0x1f, 0x9e, "gzip"},
                                     {0x42, 0x5a, "bzip2"}, {0x5d, 0x00, "lzma"},
                                     {0xfd, 0x37, "xz"},    {0x89, 0x4c, "lzo"},
                                     {0x02, 0x21, "lz4"},   {0x28, 0xb5, "zstd"}};
  method.clear();
  for (const Magic& m : kTable)
    if (m.b0 == b0 && m.b1 == b1) method = m.name;
  if (method.empty()) {
    std::string found = in.size() > 1 ? fmt::format("{:02x} {:02x}", b0, b1)
                                      : fmt::format("{:02x} and the end of the image", b0);
    std::string why =
        b0 == '0' ? " (a cpio header at an offset that is not a multiple of 4 is not one)"
        : b0 == 0x04 && b1 == 0x22 ? " (lz4 frame format: the kernel reads only lz4 -l legacy)"
                                   : "";
    return make_error(
        ErrorCode::kMalformed,
        fmt::format("offset 0x{:x}: invalid magic at start of compressed archive: found {}, "
                    "neither zero padding, a cpio header (\"070701\" at a 4-aligned offset) nor "
                    "a compression the kernel knows (gzip 1f 8b, bzip2 42 5a, lzma 5d 00, xz fd "
                    "37, lzo 89 4c, lz4 02 21, zstd 28 b5){}; the kernel stops unpacking here",
                    at, found, why),
        {path, 0, "", at});
  }
  PartDecoder d(in, path, at, budget, method);
  if (method == "gzip") return d.gzip();
  if (method == "xz") return d.lzma(true);
  if (method == "lzma") return d.lzma(false);
  if (method == "zstd") return d.zstd();
  if (method == "lz4") return d.lz4();
  if (method == "bzip2") return d.bzip2();
  return d.fail(ErrorCode::kUnsupported, "lzo compression is not supported");
}

}  // namespace ofsck::read
