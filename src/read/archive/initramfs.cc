// Initramfs unpacking as the kernel does it (init/initramfs.c, unpack_to_rootfs() and its
// write_buffer()/flush_buffer() state machine), reading instead of writing a rootfs.
//
// The image is a sequence of parts. unpack_to_rootfs() walks it with one offset (this_header):
// NUL bytes are skipped, a '0' at a 4-aligned offset starts an uncompressed newc archive, and
// any other byte starts a compressed part whose method decompress_method() picks from its first
// two bytes (lib/decompress.c). The decompressor reports how many input bytes it consumed
// (my_inptr) and the walk goes on right after them: each part's end is where *its*
// decompressor stops, not where some tool's concatenation support would stop. So every format
// is decoded here the way its kernel decompressor consumes input:
//   gzip  lib/decompress_inflate.c: one member; 10-byte header (+ FNAME only), raw deflate,
//         then 8 trailer bytes skipped unchecked
//   xz    lib/decompress_unxz.c: one .xz stream (no stream padding: the NULs after it are
//         skipped by the walk)
//   zstd  lib/decompress_unzstd.c: one frame
//   lz4   lib/decompress_unlz4.c: legacy format only; chunks until the input ends, fewer than 4
//         bytes are left or a zero chunk size (zero padding) is met; more legacy magics between
//         chunks are skipped
//   bzip2 lib/decompress_bunzip2.c: one stream; lzma lib/decompress_unlzma.c: one .lzma stream
// zlib, liblzma and libzstd report their input position exactly; lz4 framing is walked here
// and only the exact span is handed to libarchive; bzip2 goes through libarchive, whose
// consumed-byte count ends at the stream end (a following concatenated stream is split off).
//
// Why not libarchive's cpio reader for the archives themselves: it stops at the first
// TRAILER!!! and gives no offsets. The newc header is 110 ASCII bytes, parsed here with bounds
// checks.
#include "read/archive/initramfs.hpp"

#include "read/archive/newc.hpp"

#include <archive.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <tuple>

#include <fmt/format.h>

namespace ofsck::read {

namespace {

constexpr uint64_t kHeaderSize = 110;  // "070701" + 13 fields of 8 hex digits
constexpr uint64_t kPathMax = 4096;    // the kernel's PATH_MAX bound on names and link targets
constexpr uint32_t kLz4LegacyMagic = 0x184C2102;
constexpr uint64_t kLzmaMemlimit = uint64_t{1} << 30;  // as read/compress: no 4 GiB dictionaries

uint64_t align4(uint64_t v) { return (v + 3) & ~uint64_t{3}; }

uint32_t le32(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

/// Parses one stream (the uncompressed image, or one decompressed part) the way
/// write_buffer()/flush_buffer() do.
class StreamParser {
 public:
  StreamParser(Initramfs& out, const InitramfsOptions& opts, std::span<const std::byte> s,
               uint32_t part, std::string label)
      : out_(out), opts_(opts), s_(s), part_(part), label_(std::move(label)) {}

  /// Parses from `pos`. At the top level (`top`) returns the offset where a compressed part
  /// starts, or s_.size() when the image was consumed; inside a decompressed part, the whole
  /// output must be archives and zero padding. `reset` is the kernel's state on entry: true
  /// when an archive has already ended (state Reset: NULs are padding), false at the very start
  /// (state Start: the first byte must begin a header).
  Result<uint64_t> run(uint64_t pos, bool top, bool reset) {
    bool after_archive = false;  // do_reset() runs: padding must end 4-aligned
    if (!top && !reset && pos < s_.size() && s_[pos] == std::byte{0})
      return err(ErrorCode::kMalformed, pos,
                 "no cpio magic: the first compressed part begins with NUL instead of a cpio "
                 "header");
    while (pos < s_.size()) {
      char c = static_cast<char>(s_[pos]);
      if (c == '\0') {  // padding: do_reset() in an archive run, the NUL skip between parts
        ++pos;
        continue;
      }
      if ((after_archive || !top) && (pos & 3) != 0)
        return err(ErrorCode::kMalformed, pos,
                   fmt::format("broken padding: byte 0x{:02x} at an offset that is not a "
                               "multiple of 4 after a cpio archive (the kernel's do_reset())",
                               static_cast<unsigned>(static_cast<unsigned char>(c))));
      if (c == '0' && (pos & 3) == 0) {
        auto end_or = archive(pos);
        if (!end_or) return tl::unexpected(end_or.error());
        pos = *end_or;
        ++out_.parts[part_].archives;
        after_archive = true;
        continue;
      }
      if (top) return pos;
      return err(ErrorCode::kMalformed, pos,
                 fmt::format("junk within compressed archive: byte 0x{:02x} where a cpio header "
                             "(\"070701\") or zero padding was expected",
                             static_cast<unsigned>(static_cast<unsigned char>(c))));
    }
    return pos;
  }

 private:
  tl::unexpected<Error> err(ErrorCode code, uint64_t off, const std::string& what) {
    return make_error(code, fmt::format("{}offset 0x{:x}: {}", label_, off, what),
                      {out_.path, 0, "", label_.empty() ? off : out_.parts[part_].offset});
  }

  /// One newc archive from `pos` up to and including TRAILER!!!; returns the offset after it.
  Result<uint64_t> archive(uint64_t pos) {
    // Hard links: (devmajor, devminor, ino) → entries, as the kernel's maybe_link() hash.
    std::map<std::tuple<uint32_t, uint32_t, uint32_t>, std::vector<size_t>> links;
    for (;;) {
      if (pos > s_.size() || s_.size() - pos < kHeaderSize)
        return err(ErrorCode::kTruncated, pos,
                   fmt::format("cpio header needs 0x{:x} bytes, only 0x{:x} left", kHeaderSize,
                               s_.size() - std::min<uint64_t>(pos, s_.size())));
      const char* h = reinterpret_cast<const char*>(s_.data() + pos);
      if (std::memcmp(h, "070701", 6) != 0 && std::memcmp(h, "070702", 6) != 0)
        return err(ErrorCode::kMalformed, pos,
                   fmt::format(R"(no cpio magic: expected "070701" or "070702", found "{}")",
                               std::string_view(h, 6)));
      uint32_t f[13];
      if (const int bad = decode_newc_fields(h, f); bad >= 0)
        return err(ErrorCode::kMalformed, pos + static_cast<uint64_t>(bad),
                   fmt::format("cpio header field {} is not hexadecimal", (bad - 6) / 8));
      const uint32_t ino = f[0], mode = f[1], nlink = f[4], dmaj = f[7], dmin = f[8];
      const uint64_t body = f[6], name_len = f[11];
      if (name_len == 0 || name_len > kPathMax)
        return err(ErrorCode::kMalformed, pos,
                   fmt::format("cpio name size 0x{:x} outside 1..0x{:x}", name_len, kPathMax));
      uint64_t name_end = pos + kHeaderSize + name_len;  // no overflow: all < 2^40
      if (name_end > s_.size())
        return err(ErrorCode::kTruncated, pos + kHeaderSize,
                   fmt::format("cpio name of 0x{:x} bytes runs past the end (0x{:x})", name_len,
                               s_.size()));
      const char* name = reinterpret_cast<const char*>(s_.data() + pos + kHeaderSize);
      if (name[name_len - 1] != '\0')
        return err(ErrorCode::kMalformed, pos + kHeaderSize, "cpio name is not NUL-terminated");
      std::string_view nm(name, name_len - 1);
      uint64_t data_at = align4(name_end);
      uint64_t next = align4(data_at + body);
      if (data_at + body > s_.size())
        return err(ErrorCode::kTruncated, data_at,
                   fmt::format("body of \"{}\" (0x{:x} bytes) runs past the end (0x{:x})", nm, body,
                               s_.size()));
      if (nm == "TRAILER!!!") return std::min<uint64_t>(next, s_.size());
      if (out_.entries.size() >= opts_.max_entries)
        return err(ErrorCode::kTooLarge, pos,
                   fmt::format("more than {} cpio entries", opts_.max_entries));
      InitramfsEntry e;
      e.path = normalise(nm);
      e.mode = mode;
      e.size = body;
      e.offset = pos;
      e.part = part_;
      std::span<const std::byte> bytes = s_.subspan(data_at, body);
      if (e.is_symlink()) {
        if (body > kPathMax)
          return err(ErrorCode::kMalformed, pos,
                     fmt::format("symlink \"{}\" target of 0x{:x} bytes exceeds PATH_MAX", nm,
                                 body));
        e.symlink.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        if (auto z = e.symlink.find('\0'); z != std::string::npos) e.symlink.resize(z);
      } else if (e.is_regular()) {
        e.data = bytes;
        if (nlink >= 2) {
          // The body comes with the last link; earlier links share the inode and its data.
          auto& group = links[{dmaj, dmin, ino}];
          if (body > 0)
            for (size_t i : group) {
              out_.entries[i].size = body;
              out_.entries[i].data = bytes;
            }
          group.push_back(out_.entries.size());
        }
      }
      out_.entries.push_back(std::move(e));
      pos = next;
    }
  }

  static std::string normalise(std::string_view p) {
    for (;;) {
      if (p.starts_with("./")) p.remove_prefix(2);
      else if (p.starts_with("/")) p.remove_prefix(1);
      else break;
    }
    if (p == ".") return "";
    return std::string(p);
  }

  Initramfs& out_;
  const InitramfsOptions& opts_;
  std::span<const std::byte> s_;
  uint32_t part_;
  std::string label_;
};

/// One decoded compressed part: its output and the input bytes its kernel decompressor
/// consumes (the next part starts right after them).
struct Decoded {
  Buffer out;
  uint64_t consumed = 0;
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

  Result<Decoded> gzip() {
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
  Result<Decoded> lzma(bool xz) {
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
  Result<Decoded> zstd() {
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
  Result<Decoded> lz4() {
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
  Result<Decoded> bzip2() {
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

  Result<Decoded> finish(uint64_t consumed) {
    out_.truncate(used_);
    return Decoded{std::move(out_), consumed};
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

/// decompress_method(): the kernel's two-byte magic table, then that method's decoder.
Result<Decoded> decode_part(std::span<const std::byte> in, const std::string& path, uint64_t at,
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

Result<Initramfs> read_from_buffer(Buffer image, const std::string& path,
                                   const InitramfsOptions& opts) {
  Initramfs r;
  r.path = path;
  r.storage.push_back(std::move(image));
  std::span<const std::byte> img = r.storage.back().span();
  uint64_t pos = 0, total = 0;
  bool reset = false;  // an archive has ended: the kernel's state is Reset, not Start
  while (pos < img.size()) {
    // NULs before a part are skipped one by one (no alignment rule: the kernel's state is Start
    // or Reset after a compressed part, and only do_reset() checks alignment).
    while (pos < img.size() && img[pos] == std::byte{0}) ++pos;
    if (pos == img.size()) break;
    // Uncompressed archives and zero padding up to the next compressed part.
    r.parts.push_back({pos, "none", 0, 0, 0});
    uint32_t part = static_cast<uint32_t>(r.parts.size() - 1);
    StreamParser top(r, opts, img, part, "");
    auto comp_or = top.run(pos, true, reset);
    if (!comp_or) return tl::unexpected(comp_or.error());
    r.parts[part].size = r.parts[part].input_size = *comp_or - pos;
    if (r.parts[part].archives == 0) r.parts.pop_back();  // only zero padding
    else reset = true;
    pos = *comp_or;
    if (pos >= img.size()) break;
    // One compressed part, decoded as its kernel decompressor consumes it, then the same state
    // machine over its output (flush_buffer()).
    std::string method;
    auto dec_or = decode_part(img.subspan(pos), path, pos, opts.max_total - total, method);
    if (!dec_or) return tl::unexpected(dec_or.error());
    total += dec_or->out.size();
    r.storage.push_back(std::move(dec_or->out));
    r.parts.push_back({pos, method, r.storage.back().size(), 0, dec_or->consumed});
    part = static_cast<uint32_t>(r.parts.size() - 1);
    StreamParser inner(r, opts, r.storage.back().span(), part,
                       fmt::format("{} part at 0x{:x}, decompressed ", method, pos));
    auto end_or = inner.run(0, false, reset);
    if (!end_or) return tl::unexpected(end_or.error());
    if (r.parts[part].archives == 0 && !reset)
      return make_error(ErrorCode::kMalformed,
                        fmt::format("{} part at offset 0x{:x} holds no cpio archive", method, pos),
                        {path, 0, "", pos});
    if (r.parts[part].archives > 0) reset = true;
    pos += dec_or->consumed;
  }
  if (r.entries.empty() && r.parts.empty())
    return make_error(ErrorCode::kMalformed, "no cpio archive in the image", {path, 0, "", 0});
  return r;
}

}  // namespace

Result<Initramfs> read_initramfs_bytes(std::span<const std::byte> bytes, const std::string& path,
                                       const InitramfsOptions& opts) {
  return read_from_buffer(Buffer::copy_of(bytes), path, opts);
}

Result<Initramfs> read_initramfs(const std::string& path, const InitramfsOptions& opts) {
  auto b = read_file_buffer(path, opts.max_total);
  if (!b) return tl::unexpected(b.error());
  return read_from_buffer(std::move(*b), path, opts);
}

}  // namespace ofsck::read
