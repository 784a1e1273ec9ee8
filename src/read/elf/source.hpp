#pragma once
/// Random-access byte sources for the ELF parser: a whole in-memory image, or a file read with
/// pread on demand (only the parts a module analysis needs).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "read/buffer.hpp"
#include "util/result.hpp"

namespace ofsck::read::elf {

/// Bytes addressed by file offset. Returned spans stay valid for the source's lifetime.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Total size in bytes.
  virtual uint64_t size() const = 0;
  /// [off, off+len) or a kTruncated error naming `what` when it does not fit.
  [[nodiscard]] virtual Result<std::span<const std::byte>> read(uint64_t off, uint64_t len,
                                                                std::string_view what) = 0;
  /// Path used in error messages.
  const std::string& path() const { return path_; }

 protected:
  explicit ByteSource(std::string path) : path_(std::move(path)) {}
  /// Range check shared by implementations (checked add, then EOF).
  [[nodiscard]] Result<void> check_range(uint64_t off, uint64_t len, std::string_view what) const;

 private:
  std::string path_;
};

/// A source over bytes that are already in memory (owned elsewhere).
class MemorySource final : public ByteSource {
 public:
  MemorySource(std::span<const std::byte> bytes, std::string path)
      : ByteSource(std::move(path)), bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  [[nodiscard]] Result<std::span<const std::byte>> read(uint64_t off, uint64_t len,
                                                        std::string_view what) override;

 private:
  std::span<const std::byte> bytes_;
};

/// A source that preads ranges of an open file on demand. Reads that fall inside an already
/// fetched chunk are served from it; the first chunk covers the file's tail (where a .ko keeps
/// .symtab, .strtab, .shstrtab, the section header table and the signature).
class FileSource final : public ByteSource {
 public:
  /// Opens `path` (regular files only) and preloads its first `head` and last `tail` bytes.
  [[nodiscard]] static Result<std::unique_ptr<FileSource>> open(const std::string& path,
                                                                uint64_t head, uint64_t tail);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  uint64_t size() const override { return size_; }
  [[nodiscard]] Result<std::span<const std::byte>> read(uint64_t off, uint64_t len,
                                                        std::string_view what) override;
  /// Fetches the given [begin, end) ranges (clamped to the file) with as few preads as
  /// possible, merging ranges whose gap is below `max_gap`. Ranges already cached are skipped.
  void prefetch(const std::vector<std::pair<uint64_t, uint64_t>>& ranges, uint64_t max_gap);
  /// Hands [off, off + len) to `sink` in pieces read into a per-thread buffer (for hashing
  /// whole files without holding them); nothing is cached.
  [[nodiscard]] Result<void> stream(uint64_t off, uint64_t len, std::string_view what,
                                    const std::function<void(std::span<const std::byte>)>& sink);
  /// Number of pread calls made (for benchmarking).
  uint64_t pread_calls() const { return preads_; }

 private:
  FileSource(std::string path, int fd, uint64_t size)
      : ByteSource(std::move(path)), fd_(fd), size_(size) {}
  [[nodiscard]] Result<std::span<const std::byte>> fetch(uint64_t off, uint64_t len);
  /// One pread (retried on EINTR) of up to `want` bytes at `at`: the count read (> 0), or an
  /// error (end of file = the file shrank) prefixed with `what` when given.
  [[nodiscard]] Result<uint64_t> pread_some(std::byte* dst, uint64_t want, uint64_t at,
                                            std::string_view what);

  struct Chunk {
    uint64_t off;
    Buffer data;
  };
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t preads_ = 0;
  std::vector<Chunk> chunks_;
};

}  // namespace ofsck::read::elf
