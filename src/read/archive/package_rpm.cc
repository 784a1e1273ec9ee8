// .rpm packages (read/archive/package.hpp): lead (96 bytes), signature header (padded to 8),
// main header, then the cpio payload compressed as PAYLOADCOMPRESSOR says. The headers are
// walked here with their sizes checked against the file (rpm2cpio(8) finds the payload the
// same way); libarchive decompresses the payload and the shared walk reads it.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "read/archive/newc.hpp"
#include "read/archive/package_internal.hpp"

namespace ofsck::read::detail {

namespace {

uint64_t be32(const unsigned char* q) {
  return uint64_t{q[0]} << 24 | uint64_t{q[1]} << 16 | uint64_t{q[2]} << 8 | uint64_t{q[3]};
}

/// NAME, [EPOCH:]VERSION-RELEASE and ARCH from the main rpm header (rpm's header format:
/// `il` index entries {tag, type, offset, count} in big-endian, then `dl` bytes of data).
/// `hdr` holds the index and the data; `at` is the header's file offset, for messages.
Result<void> read_rpm_identity(std::span<const std::byte> hdr, uint64_t il, uint64_t dl,
                               uint64_t at, const std::string& label, PackageInfo& info) {
  constexpr uint64_t kName = 1000, kVersion = 1001, kRelease = 1002, kEpoch = 1003, kArch = 1022;
  constexpr uint64_t kInt32 = 4, kString = 6, kI18nString = 9;
  const auto* u = reinterpret_cast<const unsigned char*>(hdr.data());
  const unsigned char* store = u + il * 16;
  std::string release, epoch;
  for (uint64_t i = 0; i < il; ++i) {
    const unsigned char* e = u + i * 16;
    uint64_t tag = be32(e), type = be32(e + 4), off = be32(e + 8);
    std::string* out = tag == kName      ? &info.name
                       : tag == kVersion ? &info.version
                       : tag == kRelease ? &release
                       : tag == kArch    ? &info.arch
                                         : nullptr;
    if (tag == kEpoch && type == kInt32) {
      if (off > dl || dl - off < 4)
        return make_error(ErrorCode::kMalformed,
                          fmt::format("rpm header at offset 0x{:x}: EPOCH at data offset 0x{:x} "
                                      "runs past its 0x{:x} data bytes",
                                      at, off, dl),
                          {label, 0, "", at});
      epoch = std::to_string(be32(store + off));
      continue;
    }
    if (!out || (type != kString && type != kI18nString)) continue;
    const void* nul =
        off < dl ? std::memchr(store + off, 0, static_cast<size_t>(dl - off)) : nullptr;
    if (!nul)
      return make_error(ErrorCode::kMalformed,
                        fmt::format("rpm header at offset 0x{:x}: tag {} at data offset 0x{:x} "
                                    "is not a NUL-terminated string inside its 0x{:x} data bytes",
                                    at, tag, off, dl),
                        {label, 0, "", at});
    out->assign(reinterpret_cast<const char*>(store + off),
                static_cast<const unsigned char*>(nul) - (store + off));
  }
  // What `rpm -q` and the database say: [E:]V-R (rpm.cc spells installed packages the same).
  if (!info.version.empty() || !release.empty()) info.version += "-" + release;
  if (!epoch.empty() && !info.version.empty()) info.version = epoch + ":" + info.version;
  return {};
}

/// The rpm payload decompressed whole (gzip, bzip2, xz, lzma, lz4, zstd or none, sniffed by
/// libarchive), capped at opts.max_total.
Result<std::vector<std::byte>> decompress_rpm_payload(std::span<const std::byte> payload,
                                                      const std::string& label,
                                                      const PackageOptions& opts,
                                                      std::string& compression) {
  ArchivePtr a(archive_read_new());
  if (!a) throw std::bad_alloc();
  add_filters(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* ent = nullptr;
  if (archive_read_open_memory(a.get(), payload.data(), payload.size()) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &ent) != ARCHIVE_OK)
    return make_error(ErrorCode::kMalformed, "rpm payload: " + la_error(a.get()), {label});
  const char* f = archive_filter_name(a.get(), 0);
  compression = archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_NONE ? "none" : (f ? f : "?");
  std::vector<std::byte> out;
  for (;;) {
    const size_t used = out.size();
    out.resize(used + kReadChunk);
    la_ssize_t n = archive_read_data(a.get(), out.data() + used, kReadChunk);
    if (n < 0)
      return make_error(ErrorCode::kTruncated,
                        fmt::format("rpm payload ({}): decompression fails after 0x{:x} bytes: {}",
                                    compression, used, la_error(a.get())),
                        {label});
    out.resize(used + static_cast<size_t>(n));
    if (n == 0) break;
    if (out.size() > opts.max_total)
      return make_error(ErrorCode::kTooLarge,
                        fmt::format("rpm payload ({}): decompresses to more than the cap of 0x{:x} "
                                    "bytes",
                                    compression, opts.max_total),
                        {label});
  }
  return out;
}

/// Checks every newc header of a decompressed rpm payload (cpio(5): "070701"/"070702", 13
/// fields of 8 hex digits; name padded so the data starts 4-aligned, data padded to 4) against
/// the bytes that follow it, up to "TRAILER!!!". rpm writes nothing but newc here.
Result<void> check_cpio(std::span<const std::byte> cpio, const std::string& label) {
  constexpr uint64_t kHeader = 110;
  constexpr std::string_view kFields[] = {"ino",      "mode",      "uid",       "gid",
                                          "nlink",    "mtime",     "filesize",  "devmajor",
                                          "devminor", "rdevmajor", "rdevminor", "namesize",
                                          "check"};
  const auto* base = reinterpret_cast<const char*>(cpio.data());
  const uint64_t size = cpio.size();
  uint64_t off = 0;
  for (uint64_t idx = 0; off < size; ++idx) {
    const uint64_t left = size - off;
    if (left < kHeader)
      return make_error(ErrorCode::kTruncated,
                        fmt::format("rpm payload: cpio entry {} at offset 0x{:x}: the header "
                                    "needs 0x{:x} bytes, 0x{:x} remain",
                                    idx, off, kHeader, left),
                        {label});
    const char* h = base + off;
    if (std::memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2'))
      return make_error(
          ErrorCode::kMalformed,
          fmt::format("rpm payload: cpio entry {} at offset 0x{:x}: expected newc "
                      "magic 070701 or 070702, found {:02x}{:02x}{:02x}{:02x}{:02x}"
                      "{:02x}",
                      idx, off, static_cast<unsigned char>(h[0]), static_cast<unsigned char>(h[1]),
                      static_cast<unsigned char>(h[2]), static_cast<unsigned char>(h[3]),
                      static_cast<unsigned char>(h[4]), static_cast<unsigned char>(h[5])),
          {label});
    uint32_t v[13] = {};
    if (const int bad = decode_newc_fields(h, v); bad >= 0)
      return make_error(ErrorCode::kMalformed,
                        fmt::format("rpm payload: cpio entry {} at offset 0x{:x}: field {} "
                                    "is not 8 hexadecimal digits",
                                    idx, off, kFields[(bad - 6) / 8]),
                        {label});
    const uint64_t filesize = v[6], namesize = v[11];
    if (namesize == 0 || namesize > kMaxPayloadName)
      return make_error(ErrorCode::kMalformed,
                        fmt::format("rpm payload: cpio entry {} at offset 0x{:x}: name size 0x{:x} "
                                    "(expected 0x1 to 0x{:x})",
                                    idx, off, namesize, kMaxPayloadName),
                        {label});
    if (namesize > left - kHeader)
      return make_error(ErrorCode::kTruncated,
                        fmt::format("rpm payload: cpio entry {} at offset 0x{:x}: name size 0x{:x} "
                                    "exceeds the 0x{:x} bytes left in the decompressed payload",
                                    idx, off, namesize, left - kHeader),
                        {label});
    const char* name = h + kHeader;
    if (name[namesize - 1] != '\0')
      return make_error(ErrorCode::kMalformed,
                        fmt::format("rpm payload: cpio entry {} at offset 0x{:x}: name is not "
                                    "NUL-terminated at its size 0x{:x}",
                                    idx, off, namesize),
                        {label});
    std::string_view nm(name, namesize - 1);
    if (nm == "TRAILER!!!") return {};
    // Both bounded by size (< 2^63): no overflow.
    const uint64_t data = std::min((off + kHeader + namesize + 3) / 4 * 4, size);
    if (filesize > size - data)
      return make_error(ErrorCode::kTruncated,
                        fmt::format("rpm payload: cpio entry {} '{}' at offset 0x{:x}: declared "
                                    "size 0x{:x} exceeds the 0x{:x} bytes left in the "
                                    "decompressed payload",
                                    idx, nm, off, filesize, size - data),
                        {label});
    off = (data + filesize + 3) / 4 * 4;
  }
  return {};  // no trailer: libarchive reports what it makes of that
}

}  // namespace

Result<PackageInfo> read_rpm(std::span<const std::byte> bytes, const std::string& label,
                             const PackageVisitor& visit, const PackageOptions& opts) {
  PackageInfo info;
  info.path = label;
  info.format = "rpm";
  info.payload = "cpio";
  // Lead (96 bytes), signature header (padded to 8), main header, then the payload. The
  // headers are walked here, with their sizes checked against the file, rather than by
  // libarchive's rpm filter, which trusts the index counts and allocates what they promise.
  uint64_t pos = 96;
  for (int h = 0; h < 2; ++h) {
    const char* what = h == 0 ? "signature header" : "header";
    uint64_t end = 0;
    if (!checked_add(pos, 16, end) || end > bytes.size())
      return make_error(ErrorCode::kTruncated,
                        fmt::format("rpm {} at offset 0x{:x}: file ends inside its preamble", what,
                                    pos),
                        {label, 0, "", pos});
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data()) + pos;
    if (b[0] != 0x8e || b[1] != 0xad || b[2] != 0xe8 || b[3] != 0x01)
      return make_error(ErrorCode::kMalformed,
                        fmt::format("rpm {} at offset 0x{:x}: expected magic 8eade801, found "
                                    "{:02x}{:02x}{:02x}{:02x}",
                                    what, pos, b[0], b[1], b[2], b[3]),
                        {label, 0, "", pos});
    uint64_t il = be32(b + 8), dl = be32(b + 12), index = 0, size = 0;
    if (!checked_mul(il, 16, index) || !checked_add(index, dl, size) ||
        !checked_add(end, size, end) || end > bytes.size())
      return make_error(ErrorCode::kTruncated,
                        fmt::format("rpm {} at offset 0x{:x}: {} index entries and 0x{:x} data "
                                    "bytes run past the end of the file (0x{:x})",
                                    what, pos, il, dl, bytes.size()),
                        {label, 0, "", pos});
    if (h == 1) {
      auto id =
          read_rpm_identity(bytes.subspan(static_cast<size_t>(pos + 16), static_cast<size_t>(size)),
                            il, dl, pos, label, info);
      if (!id) return tl::unexpected(id.error());
    }
    pos = h == 0 ? (end + 7) / 8 * 8 : end;
  }
  if (pos >= bytes.size())
    return make_error(ErrorCode::kTruncated,
                      fmt::format("rpm: no payload after the header "
                                  "(offset 0x{:x})",
                                  pos),
                      {label, 0, "", pos});
  // Decompressed first, so that every cpio header can be checked against the bytes that
  // really follow it before libarchive's cpio reader, which allocates what a header's name
  // size promises (up to 4 GiB), sees it.
  auto cpio = decompress_rpm_payload(bytes.subspan(static_cast<size_t>(pos)), label, opts,
                                     info.compression);
  if (!cpio) return tl::unexpected(cpio.error());
  if (auto c = check_cpio(*cpio, label); !c) return tl::unexpected(c.error());
  ArchivePtr a(archive_read_new());
  if (!a) throw std::bad_alloc();
  archive_read_support_format_cpio(a.get());
  if (archive_read_open_memory(a.get(), cpio->data(), cpio->size()) != ARCHIVE_OK)
    return make_error(ErrorCode::kMalformed, "rpm payload: " + la_error(a.get()), {label});
  auto w = walk_payload(a.get(), label, "rpm payload", visit, opts, info);
  if (!w) return tl::unexpected(w.error());
  return info;
}

}  // namespace ofsck::read::detail
