#pragma once
/// read_initramfs(): an initramfs image → its cpio entries, unpacked as the kernel's
/// init/initramfs.c unpack_to_rootfs() does: concatenated newc archives, each possibly followed
/// by zero padding; an uncompressed early part (microcode) usually first, then compressed parts
/// (gzip, xz, zstd, lz4 legacy, bzip2, lzma; lzo is recognised but not decoded), each ending
/// exactly where the kernel's decompressor for it stops reading, and whatever follows (more
/// compressed parts, uncompressed archives, zero padding) read by the same rules.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "read/buffer.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// One cpio entry. Later entries of the same path replace earlier ones (the kernel unlinks and
/// recreates), which is left to the consumer: entries stay in archive order.
struct InitramfsEntry {
  std::string path;                 ///< normalised: no leading "/" or "./"; "" for the root itself
  uint32_t mode = 0;                ///< st_mode (type bits included)
  uint64_t size = 0;                ///< c_filesize (symlink target length for symlinks)
  std::string symlink;              ///< target, for symlinks
  std::span<const std::byte> data;  ///< contents of regular files (view into Initramfs::storage)
  uint64_t offset = 0;              ///< header offset in the image (compressed part: in its output)
  uint32_t part = 0;                ///< index into Initramfs::parts
  bool is_regular() const { return (mode & 0170000) == 0100000; }
  bool is_dir() const { return (mode & 0170000) == 0040000; }
  bool is_symlink() const { return (mode & 0170000) == 0120000; }
};

/// One segment of the image: an uncompressed run of cpio archives (with the zero padding after
/// them) or one compressed stream.
struct InitramfsPart {
  uint64_t offset = 0;      ///< where it starts in the image
  std::string compression;  ///< "none", or the kernel's method name ("gzip", "zstd", "xz", ...)
  uint64_t size = 0;        ///< decompressed bytes
  uint32_t archives = 0;    ///< cpio archives (TRAILER!!! seen) in it
  uint64_t input_size = 0;  ///< image bytes it spans (compressed: what the decompressor reads)
};

struct Initramfs {
  std::string path;
  std::vector<Buffer> storage;  ///< owns every byte entries point into
  std::vector<InitramfsPart> parts;
  std::vector<InitramfsEntry> entries;
};

struct InitramfsOptions {
  uint64_t max_total = uint64_t{4} << 30;  ///< cap on all decompressed bytes (zip bombs)
  uint64_t max_entries = 1'000'000;        ///< cap on cpio entries
};

/// Reads an image file. Errors (kIo/kNotFound/kTruncated/kMalformed/kTooLarge/kUnsupported)
/// name the image and the hex offset of the broken structure; bytes after a part that are
/// neither padding, a 4-aligned cpio header nor a known compression magic (trailing garbage)
/// are an error at their offset, as the kernel stops unpacking there.
[[nodiscard]] Result<Initramfs> read_initramfs(const std::string& path,
                                               const InitramfsOptions& opts = {});

/// Same over bytes in memory (copied into storage); `path` labels errors.
[[nodiscard]] Result<Initramfs> read_initramfs_bytes(std::span<const std::byte> bytes,
                                                     const std::string& path,
                                                     const InitramfsOptions& opts = {});

}  // namespace ofsck::read
