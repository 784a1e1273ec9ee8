// Initramfs unpacking as the kernel does it (init/initramfs.c, unpack_to_rootfs() and its
// write_buffer()/flush_buffer() state machine), reading instead of writing a rootfs.
//
// Why not libarchive's cpio reader for the archives themselves: the kernel's format is a
// *sequence* of newc archives, separated by zero padding, inside and between compressed
// segments; libarchive's cpio reader stops at the first TRAILER!!! and gives no offsets. The
// newc header is 110 ASCII bytes, so it is parsed here with bounds checks, and libarchive
// (raw format + filters, archive_read_open_memory) does only what it is best at: decompression.
#include "read/archive/initramfs.hpp"

#include <archive.h>

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

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

/// Parses one stream (the uncompressed image, or one decompressed segment) the way
/// write_buffer()/flush_buffer() do. At the top level (`top`), a byte that is neither '0' nor
/// NUL starts a compressed segment: `compressed_at` receives its offset and parsing stops.
class StreamParser {
 public:
  StreamParser(Initramfs& out, const InitramfsOptions& opts, std::span<const std::byte> s,
               uint32_t part, std::string label)
      : out_(out), opts_(opts), s_(s), part_(part), label_(std::move(label)) {}

  /// Parses from `pos`. Returns the offset where a compressed segment starts (top level), or
  /// s_.size() when the stream was consumed.
  Result<uint64_t> run(uint64_t pos, bool top) {
    while (pos < s_.size()) {
      char c = static_cast<char>(s_[pos]);
      if (c == '\0') {  // padding between archives (do_reset / the NUL skip in unpack_to_rootfs)
        ++pos;
        continue;
      }
      if (c == '0' && (pos & 3) == 0) {
        auto end_or = archive(pos);
        if (!end_or) return tl::unexpected(end_or.error());
        pos = *end_or;
        ++out_.parts[part_].archives;
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
                   fmt::format("no cpio magic: expected \"070701\" or \"070702\", found \"{}\"",
                               printable(std::string_view(h, 6))));
      uint32_t f[13];
      for (int i = 0; i < 13; ++i) {
        uint32_t v = 0;
        for (int j = 0; j < 8; ++j) {
          char d = h[6 + i * 8 + j];
          int x = d >= '0' && d <= '9'   ? d - '0'
                  : d >= 'a' && d <= 'f' ? d - 'a' + 10
                  : d >= 'A' && d <= 'F' ? d - 'A' + 10
                                         : -1;
          if (x < 0)
            return err(ErrorCode::kMalformed, pos + 6 + i * 8 + j,
                       fmt::format("cpio header field {} is not hexadecimal", i));
          v = (v << 4) | static_cast<uint32_t>(x);
        }
        f[i] = v;
      }
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
        return err(ErrorCode::kMalformed, pos + kHeaderSize,
                   "cpio name is not NUL-terminated");
      std::string_view nm(name, name_len - 1);
      uint64_t data_at = align4(name_end);
      uint64_t next = align4(data_at + body);
      if (data_at + body > s_.size())
        return err(ErrorCode::kTruncated, data_at,
                   fmt::format("body of \"{}\" (0x{:x} bytes) runs past the end (0x{:x})",
                               printable(nm), body, s_.size()));
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
                     fmt::format("symlink \"{}\" target of 0x{:x} bytes exceeds PATH_MAX",
                                 printable(nm), body));
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

  static std::string printable(std::string_view s) {
    std::string r;
    for (char c : s.substr(0, 64))
      r += (c >= 0x20 && c < 0x7f) ? std::string(1, c)
                                   : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    return r;
  }

  Initramfs& out_;
  const InitramfsOptions& opts_;
  std::span<const std::byte> s_;
  uint32_t part_;
  std::string label_;
};

/// Decompresses one segment with libarchive (raw format: one data "entry"). Only filters that
/// libarchive implements in-process are enabled, so reading an image never runs a program.
Result<Buffer> decompress_segment(std::span<const std::byte> in, const std::string& path,
                                  uint64_t at, uint64_t budget, std::string& filter) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  if (!a) throw std::bad_alloc();
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_lzma(a.get());
  archive_read_support_filter_lz4(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_raw(a.get());
  auto fail = [&](ErrorCode code, const std::string& what) {
    return make_error(code, fmt::format("compressed part at offset 0x{:x}: {}", at, what),
                      {path, 0, "", at});
  };
  if (archive_read_open_memory(a.get(), in.data(), in.size()) != ARCHIVE_OK)
    return fail(ErrorCode::kMalformed, std::string("invalid magic at start of compressed archive (") +
                                           (archive_error_string(a.get())
                                                ? archive_error_string(a.get())
                                                : "no decompressor recognises it") +
                                           ")");
  archive_entry* ent = nullptr;
  int rc = archive_read_next_header(a.get(), &ent);
  filter = archive_filter_name(a.get(), 0) ? archive_filter_name(a.get(), 0) : "?";
  if (archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_NONE) {
    unsigned b0 = static_cast<unsigned>(in[0]);
    if (in.size() >= 3 && b0 == 0x89 && static_cast<char>(in[1]) == 'L')
      return fail(ErrorCode::kUnsupported, "lzo compression is not supported");
    return fail(ErrorCode::kMalformed,
                fmt::format("invalid magic at start of compressed archive (first byte 0x{:02x})",
                            b0));
  }
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
    return fail(ErrorCode::kMalformed,
                fmt::format("{}: {}", filter,
                            archive_error_string(a.get()) ? archive_error_string(a.get()) : "?"));
  Buffer out(std::min<uint64_t>(uint64_t{1} << 20, budget));
  uint64_t used = 0;
  for (;;) {
    if (used == out.size()) {
      if (used >= budget) {
        std::byte probe;  // the stream may end exactly at the cap
        if (archive_read_data(a.get(), &probe, 1) == 0) break;
        return fail(ErrorCode::kTooLarge,
                    fmt::format("{} output exceeds the cap of 0x{:x} bytes", filter, budget));
      }
      out.resize(std::min(std::max<uint64_t>(out.size() * 2, 4096), budget));
    }
    la_ssize_t n = archive_read_data(a.get(), out.data() + used, out.size() - used);
    if (n == 0) break;
    if (n < 0)
      return fail(ErrorCode::kMalformed,
                  fmt::format("{} stream broken after 0x{:x} decompressed bytes: {}", filter,
                              used,
                              archive_error_string(a.get()) ? archive_error_string(a.get())
                                                            : "?"));
    used += static_cast<uint64_t>(n);
  }
  out.truncate(used);
  return out;
}

}  // namespace

namespace {

Result<Initramfs> read_from_buffer(Buffer image, const std::string& path,
                                   const InitramfsOptions& opts) {
  Initramfs r;
  r.path = path;
  r.storage.push_back(std::move(image));
  std::span<const std::byte> img = r.storage.back().span();
  uint64_t pos = 0, total = 0;
  while (pos < img.size()) {
    r.parts.push_back({pos, "none", 0, 0});
    uint32_t part = static_cast<uint32_t>(r.parts.size() - 1);
    StreamParser top(r, opts, img, part, "");
    auto comp_or = top.run(pos, true);
    if (!comp_or) return tl::unexpected(comp_or.error());
    r.parts[part].size = *comp_or - pos;
    if (r.parts[part].archives == 0) r.parts.pop_back();  // only zero padding
    pos = *comp_or;
    if (pos >= img.size()) break;
    // A compressed segment: the kernel's decompress_method() by magic, then the same state
    // machine over the output (flush_buffer). It runs to the end of the image: what follows a
    // compressed stream inside the same file is only accepted as the decompressor's own
    // concatenation (gzip members, xz streams, zstd frames).
    std::string filter;
    auto buf_or = decompress_segment(img.subspan(pos), path, pos, opts.max_total - total, filter);
    if (!buf_or) return tl::unexpected(buf_or.error());
    total += buf_or->size();
    r.storage.push_back(std::move(*buf_or));
    r.parts.push_back({pos, filter, r.storage.back().size(), 0});
    part = static_cast<uint32_t>(r.parts.size() - 1);
    StreamParser inner(r, opts, r.storage.back().span(), part,
                       fmt::format("{} part at 0x{:x}, decompressed ", filter, pos));
    auto end_or = inner.run(0, false);
    if (!end_or) return tl::unexpected(end_or.error());
    if (r.parts[part].archives == 0)
      return make_error(ErrorCode::kMalformed,
                        fmt::format("{} part at offset 0x{:x} holds no cpio archive", filter, pos),
                        {path, 0, "", pos});
    break;
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
