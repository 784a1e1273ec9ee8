#pragma once
/// Move-only owning byte buffer (style.md "Map or decompress the whole input into an owning,
/// move-only Buffer").
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace ofsck::read {

/// Owns a contiguous heap block of bytes. The data pointer is stable across moves, so views
/// into a Buffer stay valid while the Buffer (wherever it was moved to) is alive.
class Buffer {
 public:
  Buffer() = default;
  /// Allocates `size` uninitialised bytes; throws std::bad_alloc like operator new.
  explicit Buffer(uint64_t size);
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  /// Copies `bytes` into a new buffer.
  static Buffer copy_of(std::span<const std::byte> bytes);

  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const std::byte> span() const { return {data_.get(), static_cast<size_t>(size_)}; }
  std::span<std::byte> mutable_span() { return {data_.get(), static_cast<size_t>(size_)}; }

  /// Shrinks the logical size (never reallocates); `n` > size() is ignored.
  void truncate(uint64_t n) {
    if (n < size_) size_ = n;
  }
  /// Grows (or shrinks) to `n` bytes, keeping the first min(n, size()) bytes.
  void resize(uint64_t n);

 private:
  std::unique_ptr<std::byte[]> data_;
  uint64_t size_ = 0;
};

/// A regular file opened read-only (O_CLOEXEC); the caller closes `fd`.
struct OpenedFile {
  int fd = -1;
  uint64_t size = 0;  ///< st_size at open time
};

/// Opens `path` and checks it is a regular file. Errors name the file: "cannot open: <errno
/// text>" (kNotFound for ENOENT, else kIo), "cannot stat: <errno text>", "not a regular file".
[[nodiscard]] Result<OpenedFile> open_regular_file(const std::string& path);

/// Reads a whole regular file into a Buffer. Errors (kIo/kNotFound) name the file and errno
/// text; files larger than `max_size` give kTooLarge.
[[nodiscard]] Result<Buffer> read_file_buffer(const std::string& path,
                                              uint64_t max_size = uint64_t{1} << 32);

/// Same as read_file_buffer(). Takes a string_view so that it does not collide with
/// text/text_util.hpp's `Result<std::string> read_whole_file(const std::string&, uint64_t)`
/// (same namespace, same mangled name otherwise).
[[nodiscard]] inline Result<Buffer> read_whole_file(std::string_view path,
                                                    uint64_t max_size = uint64_t{1} << 32) {
  return read_file_buffer(std::string(path), max_size);
}

}  // namespace ofsck::read
