// Binary packages through libarchive: .deb = ar("debian-binary", "control.tar.*",
// "data.tar.*") as dpkg-deb(1) writes it (deb(5)); .rpm = lead, signature header, header, then
// the payload (cpio, compressed as the header's PAYLOADCOMPRESSOR says). The payload starts
// after the two headers, whose sizes are checked here (rpm2cpio(8) finds it
// the same way); libarchive then decompresses the cpio stream.
#include "read/archive/package.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "read/archive/package_internal.hpp"
#include "read/buffer.hpp"

namespace ofsck::read {

namespace detail {

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
                        fmt::format("{}: entry {}: {}", what, info.entries, la_error(a)), {label});
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
      // A declared size is only a promise of the header: memory grows with the bytes that
      // really arrive, one chunk at a time (one byte past the promise detects an overrun).
      const auto want = static_cast<uint64_t>(declared);
      for (;;) {
        const uint64_t used = data.size();
        const auto step = static_cast<size_t>(std::min<uint64_t>(kReadChunk, want - used + 1));
        data.resize(used + step);
        la_ssize_t n = archive_read_data(a, data.data() + used, step);
        if (n < 0) {
          data.resize(used);
          return make_error(ErrorCode::kTruncated,
                            fmt::format("{}: {}: contents end after 0x{:x} of 0x{:x} bytes: {}",
                                        what, e.path, used, declared, la_error(a)),
                            {label});
        }
        data.resize(used + static_cast<size_t>(n));
        if (n == 0) break;
        if (data.size() > want)
          return make_error(ErrorCode::kMalformed,
                            fmt::format("{}: {}: more data than the declared size 0x{:x}", what,
                                        e.path, declared),
                            {label});
      }
      const uint64_t used = data.size();
      if (used != want)
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

}  // namespace detail

namespace {

using detail::add_filters;
using detail::ArchivePtr;
using detail::kReadChunk;
using detail::la_error;
using detail::read_rpm;
using detail::walk_payload;

/// Cap on a deb's control file (dpkg's own limit on a control stanza is far below this).
constexpr uint64_t kMaxControl = uint64_t{1} << 20;

/// The current member of an ar archive, whole.
Result<Buffer> read_member(archive* a, archive_entry* ent, const std::string& name,
                           const std::string& label, const PackageOptions& opts) {
  int64_t size = archive_entry_size(ent);
  if (size < 0 || static_cast<uint64_t>(size) > opts.max_member)
    return make_error(ErrorCode::kTooLarge,
                      fmt::format("ar member {}: size 0x{:x} exceeds the cap of 0x{:x}", name, size,
                                  opts.max_member),
                      {label});
  Buffer member(static_cast<uint64_t>(size));
  uint64_t used = 0;
  while (used < member.size()) {
    la_ssize_t n = archive_read_data(a, member.data() + used, member.size() - used);
    if (n <= 0)
      return make_error(ErrorCode::kTruncated,
                        fmt::format("ar member {}: ends after 0x{:x} of 0x{:x} bytes{}", name, used,
                                    size, n < 0 ? ": " + la_error(a) : ""),
                        {label});
    used += static_cast<uint64_t>(n);
  }
  return member;
}

/// Package, Version and Architecture of a deb's control file (deb-control(5): the first
/// stanza; continuation lines start with a space or tab).
void parse_control(std::string_view text, PackageInfo& info) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (!info.name.empty()) break;  // end of the stanza
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view field = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (field == "Package") info.name = value;
    else if (field == "Version") info.version = value;
    else if (field == "Architecture") info.arch = value;
  }
}

/// Finds ./control in a deb's control.tar.* member and takes the package's identity from it.
Result<void> read_control(std::span<const std::byte> member, const std::string& name,
                          const std::string& label, const PackageOptions& opts, PackageInfo& info) {
  ArchivePtr a(archive_read_new());
  if (!a) throw std::bad_alloc();
  add_filters(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), member.data(), member.size()) != ARCHIVE_OK)
    return make_error(ErrorCode::kMalformed, name + ": " + la_error(a.get()), {label});
  for (uint64_t entries = 0;; ++entries) {
    archive_entry* ent = nullptr;
    int rc = archive_read_next_header(a.get(), &ent);
    if (rc == ARCHIVE_EOF) return {};
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return make_error(ErrorCode::kMalformed,
                        fmt::format("{}: entry {}: {}", name, entries, la_error(a.get())), {label});
    if (entries >= opts.max_entries)
      return make_error(ErrorCode::kTooLarge,
                        fmt::format("{}: more than {} entries", name, opts.max_entries), {label});
    const char* raw = archive_entry_pathname(ent);
    auto path_or = normalize_package_path(raw ? raw : "", label);
    if (!path_or) return tl::unexpected(path_or.error());
    if (*path_or != "control" || (archive_entry_mode(ent) & 0170000) != 0100000) continue;
    std::string text;
    char chunk[4096];
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), chunk, sizeof(chunk));
      if (n < 0)
        return make_error(ErrorCode::kTruncated,
                          fmt::format("{}: control: {}", name, la_error(a.get())), {label});
      if (n == 0) break;
      text.append(chunk, static_cast<size_t>(n));
      if (text.size() > kMaxControl)
        return make_error(
            ErrorCode::kTooLarge,
            fmt::format("{}: control exceeds the cap of 0x{:x} bytes", name, kMaxControl), {label});
    }
    parse_control(text, info);
    return {};
  }
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
    if (name.rfind("control.tar", 0) == 0 && seen_binary) {
      auto member = read_member(outer.get(), ent, name, label, opts);
      if (!member) return tl::unexpected(member.error());
      auto c = read_control(member->span(), name, label, opts, info);
      if (!c) return tl::unexpected(c.error());
      continue;
    }
    if (name.rfind("data.tar", 0) != 0) continue;
    if (!seen_binary)
      return make_error(ErrorCode::kMalformed,
                        "ar archive: member " + name + " before debian-binary (not a .deb)",
                        {label});
    auto member = read_member(outer.get(), ent, name, label, opts);
    if (!member) return tl::unexpected(member.error());
    info.payload = name;
    ArchivePtr inner(archive_read_new());
    if (!inner) throw std::bad_alloc();
    add_filters(inner.get());
    archive_read_support_format_tar(inner.get());
    if (archive_read_open_memory(inner.get(), member->data(), member->size()) != ARCHIVE_OK)
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
