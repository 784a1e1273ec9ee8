#include "read/buffer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ofsck::read {

Buffer::Buffer(uint64_t size)
    : data_(size ? std::make_unique_for_overwrite<std::byte[]>(size) : nullptr), size_(size) {}

Buffer Buffer::copy_of(std::span<const std::byte> bytes) {
  Buffer b(bytes.size());
  if (!bytes.empty()) std::memcpy(b.data(), bytes.data(), bytes.size());
  return b;
}

void Buffer::resize(uint64_t n) {
  if (n == size_) return;
  Buffer nb(n);
  uint64_t keep = n < size_ ? n : size_;
  if (keep) std::memcpy(nb.data(), data(), keep);
  *this = std::move(nb);
}

Result<OpenedFile> open_regular_file(const std::string& path) {
  // O_CLOEXEC; ELOOP (symlink loop), EACCES, ENOENT all come back with strerror.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    return make_error(e == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                      fmt::format("cannot open: {}", std::strerror(e)), SourceRef{path});
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return make_error(ErrorCode::kIo, fmt::format("cannot stat: {}", std::strerror(e)),
                      SourceRef{path});
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kIo, "not a regular file", SourceRef{path});
  }
  return OpenedFile{fd, static_cast<uint64_t>(st.st_size)};
}

Result<Buffer> read_file_buffer(const std::string& path, uint64_t max_size) {
  Result<OpenedFile> file = open_regular_file(path);
  if (!file) return tl::unexpected(file.error());
  const int fd = file->fd;
  const uint64_t size = file->size;
  if (size > max_size) {
    ::close(fd);
    return make_error(ErrorCode::kTooLarge,
                      fmt::format("file is 0x{:x} bytes, above the 0x{:x} limit", size, max_size),
                      SourceRef{path});
  }
  Buffer buf(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, buf.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo,
                        fmt::format("read failed at 0x{:x}: {}", done, std::strerror(e)),
                        SourceRef{path});
    }
    if (n == 0) break;  // file shrank underneath us
    done += static_cast<uint64_t>(n);
  }
  ::close(fd);
  buf.truncate(done);
  return buf;
}

}  // namespace ofsck::read
