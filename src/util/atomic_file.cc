#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace ofsck {

namespace {

Result<void> fail(const std::string& path, const char* what, int e) {
  return make_error(ErrorCode::kIo, std::string(what) + ": " + std::strerror(e), SourceRef{path});
}

/// Writes all of `bytes` to `fd`; 0, or the errno of the failure.
int write_all(int fd, std::string_view bytes) {
  for (size_t done = 0; done < bytes.size();) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    done += static_cast<size_t>(w);
  }
  return 0;
}

/// Writes `bytes` to what `path` is (a device, a FIFO), truncating it where it can.
Result<void> write_through(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return fail(path, "cannot open", errno);
  if (int e = write_all(fd, bytes)) {
    ::close(fd);
    return fail(path, "write failed", e);
  }
  if (::close(fd) != 0) return fail(path, "write failed", errno);
  return {};
}

}  // namespace

Result<void> write_file_atomically(const std::string& path, std::string_view bytes) {
  // Not a regular file (-o /dev/null, a FIFO, /dev/stdout): nothing to replace atomically, and
  // rename() would replace the device node itself (as root, /dev/null became a file).
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
    return write_through(path, bytes);
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmpl = (slash == std::string::npos ? std::string() : dir) + "." + base + ".XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) return fail(path, "cannot create a temporary file beside it", errno);
  const std::string tmp(name.data());
  if (int e = write_all(fd, bytes)) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(path, "write failed", e);
  }
  // mkstemp() makes it 0600; a report is meant to be read like any file the umask allows.
  mode_t mask = ::umask(0);
  ::umask(mask);
  (void)::fchmod(fd, 0666 & ~mask);
  // Durable before it replaces the old file: a crash leaves the old content or the new.
  if (::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(path, "write failed", e);
  }
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail(path, "write failed", e);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail(path, "cannot rename the temporary file over it", e);
  }
  return {};
}

}  // namespace ofsck
