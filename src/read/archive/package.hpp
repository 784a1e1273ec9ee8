#pragma once
/// read_package(): the payload of a binary package — a Debian .deb (ar archive whose
/// data.tar.{xz,zst,gz,bz2} holds the files) or an RPM (lead, signature and header, then a
/// compressed cpio payload) — as a stream of entries with their contents. libarchive does the
/// container and decompression work; nesting (deb → data.tar.*) goes through
/// archive_read_open_memory. No policy here: paths are target-system paths without the
/// leading "/", exactly as the package ships them.
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "util/result.hpp"

namespace ofsck::read {

/// One payload entry.
struct PackageEntry {
  std::string path;      ///< normalised: no leading "/" or "./", never "" and never with ".."
  uint32_t mode = 0;     ///< st_mode (type bits included)
  std::string symlink;   ///< target, for symlinks
  std::string hardlink;  ///< normalised path of an earlier entry this one is a hard link to
  bool is_regular() const { return (mode & 0170000) == 0100000; }
  bool is_dir() const { return (mode & 0170000) == 0040000; }
  bool is_symlink() const { return (mode & 0170000) == 0120000; }
};

struct PackageOptions {
  uint64_t max_total = uint64_t{8} << 30;   ///< cap on all decompressed payload bytes
  uint64_t max_file = uint64_t{1} << 30;    ///< cap on one file's contents
  uint64_t max_member = uint64_t{2} << 30;  ///< cap on the deb's data.tar member (compressed)
  uint64_t max_entries = 500'000;           ///< cap on payload entries
};

/// What read_package() found about the package as a whole.
struct PackageInfo {
  std::string path;
  std::string format;       ///< "deb" or "rpm"
  std::string payload;      ///< deb: member name ("data.tar.xz"); rpm: "cpio"
  std::string compression;  ///< libarchive filter name of the payload ("xz", "zstd", "none"...)
  uint64_t entries = 0;
  uint64_t bytes = 0;  ///< decompressed bytes of regular files
  /// The package's identity, as its database will record it ("" when the package does not
  /// say): deb control fields Package/Version/Architecture; rpm header NAME, [EPOCH:]VERSION-
  /// RELEASE, ARCH.
  std::string name, version, arch;
};

/// Longest cpio entry name accepted in an rpm payload (PATH_MAX, NUL included).
inline constexpr uint64_t kMaxPayloadName = 4096;

/// Called once per entry in archive order; `data` is the whole contents of a regular file
/// (empty otherwise) and stays valid only during the call. An error stops the reading and is
/// returned as is.
using PackageVisitor =
    std::function<Result<void>(const PackageEntry& e, std::span<const std::byte> data)>;

/// Reads a .deb or .rpm file (recognised by magic, not by name). Errors (kIo, kNotFound,
/// kMalformed, kTruncated, kTooLarge, kUnsupported) name the file and the broken structure.
/// An rpm payload is decompressed (capped at max_total) and every cpio header checked against
/// the bytes that really follow it before libarchive parses it: libarchive trusts a header's
/// name and file sizes and allocates what they promise.
[[nodiscard]] Result<PackageInfo> read_package(const std::string& path, const PackageVisitor& visit,
                                               const PackageOptions& opts = {});

/// Same over bytes in memory; `path` labels errors.
[[nodiscard]] Result<PackageInfo> read_package_bytes(std::span<const std::byte> bytes,
                                                     const std::string& path,
                                                     const PackageVisitor& visit,
                                                     const PackageOptions& opts = {});

/// Normalises an archive path: strips "./" and "/" prefixes and "." components; empty (the
/// root itself) stays "". Returns an error string when a component is "..".
[[nodiscard]] Result<std::string> normalize_package_path(std::string_view raw,
                                                         const std::string& label);

}  // namespace ofsck::read
