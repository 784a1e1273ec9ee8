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

#include "read/archive/initramfs_part.hpp"
#include "read/archive/newc.hpp"

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

uint64_t align4(uint64_t v) { return (v + 3) & ~uint64_t{3}; }

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
