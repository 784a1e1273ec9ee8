#pragma once
/// What read/archive/package.cc (.deb and the payload walk) and package_rpm.cc (.rpm) share:
/// libarchive handles, the payload filters and the walk that feeds a PackageVisitor.
#include <archive.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "read/archive/package.hpp"

namespace ofsck::read::detail {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

/// Bytes read from libarchive at a time (file contents, decompressed rpm payload).
inline constexpr size_t kReadChunk = size_t{64} << 10;

/// libarchive's last error on `a`, or a fixed text when it has none.
std::string la_error(archive* a);
/// Payload filters only: every one of them runs in-process (no external programs).
void add_filters(archive* a);
/// Walks a tar (deb data member) or cpio (rpm payload) opened on `a` and feeds the visitor.
Result<void> walk_payload(archive* a, const std::string& label, const std::string& what,
                          const PackageVisitor& visit, const PackageOptions& opts,
                          PackageInfo& info);
/// An .rpm (lead, signature header, header, cpio payload): read/archive/package_rpm.cc.
Result<PackageInfo> read_rpm(std::span<const std::byte> bytes, const std::string& label,
                             const PackageVisitor& visit, const PackageOptions& opts);

}  // namespace ofsck::read::detail
