// Binary packages through libarchive: .deb = ar("debian-binary", "control.tar.*",
// "data.tar.*") as dpkg-deb(1) writes it (deb(5)); .rpm = lead, signature header, header, then
// the payload (cpio, compressed as the header's PAYLOADCOMPRESSOR says). The payload starts
// after the two headers, whose sizes are checked here (rpm2cpio(8) finds it
// the same way); libarchive then decompresses the cpio stream.
#include "read/archive/package.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "read/buffer.hpp"

namespace ofsck::read {

namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

std::string la_error(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

/// Payload filters only: every one of them runs in-process (no external programs).
void add_filters(archive* a) {
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_lz4(a);
  archive_read_support_filter_zstd(a);
}

/// Walks a tar (deb data member) or cpio (rpm payload) opened on `a` and feeds the visitor.
Result<void> walk_payload(archive* a, const std::string& label, const std::string& what,
                          const PackageVisitor& visit, const PackageOptions& opts,
                          PackageInfo& info) {
  std::vector<std::byte> data;
  for (;;) {
    archive_entry* ent = nullptr;
    int rc = archive_read_next_header(a, &ent);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return make_error(ErrorCode::kMalformed,
                        fmt::format("{}: entry {}: {}", what, info.entries, la_error(a)),
                        {label});
    if (info.compression.empty()) {
      const char* f = archive_filter_name(a, 0);
      info.compression = archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE ? "none" : (f ? f : "?");
    }
    if (++info.entries > opts.max_entries)
      return make_error(ErrorCode::kTooLarge,
                        fmt::format("{}: more than {} entries", what, opts.max_entries), {label});
    const char* raw = archive_entry_pathname(ent);
    auto path_or = normalize_package_path(raw ? raw : "", label);
    if (!path_or) return tl::unexpected(path_or.error());
    if (path_or->empty()) continue;  // "./" itself
    PackageEntry e;
    e.path = std::move(*path_or);
    e.mode = static_cast<uint32_t>(archive_entry_mode(ent));
    if (const char* hl = archive_entry_hardlink(ent)) {
      auto hl_or = normalize_package_path(hl, label);
      if (!hl_or) return tl::unexpected(hl_or.error());
      e.hardlink = std::move(*hl_or);
    }
    if (e.is_symlink()) {
      const char* t = archive_entry_symlink(ent);
      e.symlink = t ? t : "";
    }
    data.clear();
    if (e.is_regular() && e.hardlink.empty()) {
      int64_t declared = archive_entry_size_is_set(ent) ? archive_entry_size(ent) : 0;
      if (declared < 0 || static_cast<uint64_t>(declared) > opts.max_file)
        return make_error(ErrorCode::kTooLarge,
                          fmt::format("{}: {}: size 0x{:x} exceeds the cap of 0x{:x} bytes", what,
                                      e.path, declared, opts.max_file),
                          {label});
      data.resize(static_cast<size_t>(declared));
      uint64_t used = 0;
      for (;;) {
        if (used == data.size()) {
          std::byte probe;
          la_ssize_t n = archive_read_data(a, &probe, 1);
          if (n == 0) break;
          if (n < 0)
            return make_error(ErrorCode::kTruncated,
                              fmt::format("{}: {}: contents end early: {}", what, e.path,
                                          la_error(a)),
                              {label});
          return make_error(ErrorCode::kMalformed,
                            fmt::format("{}: {}: more data than the declared size 0x{:x}", what,
                                        e.path, declared),
                            {label});
        }
        la_ssize_t n = archive_read_data(a, data.data() + used, data.size() - used);
        if (n == 0) break;
        if (n < 0)
          return make_error(ErrorCode::kTruncated,
                            fmt::format("{}: {}: contents end after 0x{:x} of 0x{:x} bytes: {}",
                                        what, e.path, used, declared, la_error(a)),
                            {label});
        used += static_cast<uint64_t>(n);
      }
      if (used != data.size())
        return make_error(ErrorCode::kTruncated,
                          fmt::format("{}: {}: contents end after 0x{:x} of 0x{:x} bytes", what,
                                      e.path, used, declared),
                          {label});
      if (!checked_add(info.bytes, used, info.bytes) || info.bytes > opts.max_total)
        return make_error(ErrorCode::kTooLarge,
                          fmt::format("{}: decompressed contents exceed the cap of 0x{:x} bytes",
                                      what, opts.max_total),
                          {label});
    }
    auto v = visit(e, std::span<const std::byte>(data.data(), data.size()));
    if (!v) return v;
  }
  return {};
}

Result<PackageInfo> read_deb(std::span<const std::byte> bytes, const std::string& label,
                             const PackageVisitor& visit, const PackageOptions& opts) {
  PackageInfo info;
  info.path = label;
  info.format = "deb";
  ArchivePtr outer(archive_read_new());
  if (!outer) throw std::bad_alloc();
  archive_read_support_format_ar(outer.get());
  if (archive_read_open_memory(outer.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return make_error(ErrorCode::kMalformed, "ar archive: " + la_error(outer.get()), {label});
  bool seen_binary = false;
  for (;;) {
    archive_entry* ent = nullptr;
    int rc = archive_read_next_header(outer.get(), &ent);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return make_error(ErrorCode::kMalformed, "ar archive: " + la_error(outer.get()), {label});
    std::string name = archive_entry_pathname(ent) ? archive_entry_pathname(ent) : "";
    if (name == "debian-binary") seen_binary = true;
    if (name.rfind("data.tar", 0) != 0) continue;
    if (!seen_binary)
      return make_error(ErrorCode::kMalformed,
                        "ar archive: member " + name + " before debian-binary (not a .deb)",
                        {label});
    int64_t size = archive_entry_size(ent);
    if (size < 0 || static_cast<uint64_t>(size) > opts.max_member)
      return make_error(ErrorCode::kTooLarge,
                        fmt::format("ar member {}: size 0x{:x} exceeds the cap of 0x{:x}", name,
                                    size, opts.max_member),
                        {label});
    Buffer member(static_cast<uint64_t>(size));
    uint64_t used = 0;
    while (used < member.size()) {
      la_ssize_t n = archive_read_data(outer.get(), member.data() + used, member.size() - used);
      if (n <= 0)
        return make_error(ErrorCode::kTruncated,
                          fmt::format("ar member {}: ends after 0x{:x} of 0x{:x} bytes{}", name,
                                      used, size, n < 0 ? ": " + la_error(outer.get()) : ""),
                          {label});
      used += static_cast<uint64_t>(n);
    }
    info.payload = name;
    ArchivePtr inner(archive_read_new());
    if (!inner) throw std::bad_alloc();
    add_filters(inner.get());
    archive_read_support_format_tar(inner.get());
    if (archive_read_open_memory(inner.get(), member.data(), member.size()) != ARCHIVE_OK)
      return make_error(ErrorCode::kMalformed, name + ": " + la_error(inner.get()), {label});
    auto w = walk_payload(inner.get(), label, name, visit, opts, info);
    if (!w) return tl::unexpected(w.error());
    return info;
  }
  return make_error(ErrorCode::kMalformed,
                    seen_binary ? "ar archive: no data.tar.* member"
                                : "ar archive: no debian-binary member (not a .deb)",
                    {label});
}

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
    auto be32 = [](const unsigned char* q) {
      return uint64_t{q[0]} << 24 | uint64_t{q[1]} << 16 | uint64_t{q[2]} << 8 | uint64_t{q[3]};
    };
    uint64_t il = be32(b + 8), dl = be32(b + 12), index = 0, size = 0;
    if (!checked_mul(il, 16, index) || !checked_add(index, dl, size) ||
        !checked_add(end, size, end) || end > bytes.size())
      return make_error(ErrorCode::kTruncated,
                        fmt::format("rpm {} at offset 0x{:x}: {} index entries and 0x{:x} data "
                                    "bytes run past the end of the file (0x{:x})",
                                    what, pos, il, dl, bytes.size()),
                        {label, 0, "", pos});
    pos = h == 0 ? (end + 7) / 8 * 8 : end;
  }
  if (pos >= bytes.size())
    return make_error(ErrorCode::kTruncated, fmt::format("rpm: no payload after the header "
                                                         "(offset 0x{:x})", pos),
                      {label, 0, "", pos});
  std::span<const std::byte> payload = bytes.subspan(static_cast<size_t>(pos));
  ArchivePtr a(archive_read_new());
  if (!a) throw std::bad_alloc();
  add_filters(a.get());
  archive_read_support_format_cpio(a.get());
  if (archive_read_open_memory(a.get(), payload.data(), payload.size()) != ARCHIVE_OK)
    return make_error(ErrorCode::kMalformed, "rpm: " + la_error(a.get()), {label});
  auto w = walk_payload(a.get(), label, "rpm payload", visit, opts, info);
  if (!w) return tl::unexpected(w.error());
  return info;
}

}  // namespace

Result<std::string> normalize_package_path(std::string_view raw, const std::string& label) {
  std::string out;
  size_t i = 0;
  while (i <= raw.size()) {
    size_t j = raw.find('/', i);
    if (j == std::string_view::npos) j = raw.size();
    std::string_view c = raw.substr(i, j - i);
    if (c == "..")
      return make_error(ErrorCode::kMalformed,
                        fmt::format("payload path '{}' leaves the root ('..')", raw), {label});
    if (!c.empty() && c != ".") {
      if (!out.empty()) out += '/';
      out += c;
    }
    i = j + 1;
  }
  return out;
}

Result<PackageInfo> read_package_bytes(std::span<const std::byte> bytes, const std::string& path,
                                       const PackageVisitor& visit, const PackageOptions& opts) {
  static constexpr unsigned char kRpmMagic[4] = {0xed, 0xab, 0xee, 0xdb};
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "!<arch>\n", 8) == 0)
    return read_deb(bytes, path, visit, opts);
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), kRpmMagic, 4) == 0)
    return read_rpm(bytes, path, visit, opts);
  return make_error(bytes.size() < 8 ? ErrorCode::kTruncated : ErrorCode::kMalformed,
                    "not a package: expected a .deb (\"!<arch>\\n\") or an .rpm lead "
                    "(0xedabeedb) at offset 0x0",
                    {path, 0, "", 0});
}

Result<PackageInfo> read_package(const std::string& path, const PackageVisitor& visit,
                                 const PackageOptions& opts) {
  auto buf = read_file_buffer(path, opts.max_member + (uint64_t{64} << 20));
  if (!buf) return tl::unexpected(buf.error());
  return read_package_bytes(buf->span(), path, visit, opts);
}

}  // namespace ofsck::read
