#include "read/elf/source.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ofsck::read::elf {

Result<void> ByteSource::check_range(uint64_t off, uint64_t len, std::string_view what) const {
  uint64_t end;
  if (!checked_add(off, len, end) || end > size()) {
    SourceRef where{path_};
    where.offset = off;
    return make_error(ErrorCode::kTruncated,
                      fmt::format("{}: range [0x{:x}, +0x{:x}) extends past the end of the file "
                                  "(size 0x{:x})",
                                  what, off, len, size()),
                      where);
  }
  return {};
}

Result<std::span<const std::byte>> MemorySource::read(uint64_t off, uint64_t len,
                                                      std::string_view what) {
  if (Result<void> r = check_range(off, len, what); !r) return tl::unexpected(r.error());
  return bytes_.subspan(off, len);
}

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path, uint64_t head,
                                                     uint64_t tail) {
  Result<OpenedFile> file = open_regular_file(path);
  if (!file) return tl::unexpected(file.error());
  std::unique_ptr<FileSource> s(new FileSource(path, file->fd, file->size));
  uint64_t size = s->size_;
  if (head + tail >= size) {
    if (size) {
      if (Result<std::span<const std::byte>> r = s->fetch(0, size); !r)
        return tl::unexpected(r.error());
    }
  } else {
    if (head) {
      if (Result<std::span<const std::byte>> r = s->fetch(0, head); !r)
        return tl::unexpected(r.error());
    }
    if (tail) {
      if (Result<std::span<const std::byte>> r = s->fetch(size - tail, tail); !r)
        return tl::unexpected(r.error());
    }
  }
  return s;
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

Result<uint64_t> FileSource::pread_some(std::byte* dst, uint64_t want, uint64_t at,
                                        std::string_view what) {
  for (;;) {
    ++preads_;
    ssize_t n = ::pread(fd_, dst, want, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) return static_cast<uint64_t>(n);
    SourceRef where{path()};
    where.offset = at;
    return make_error(n == 0 ? ErrorCode::kTruncated : ErrorCode::kIo,
                      n == 0 ? std::string("file shrank while reading")
                             : fmt::format("{}{}read failed: {}", what, what.empty() ? "" : ": ",
                                           std::strerror(errno)),
                      where);
  }
}

Result<std::span<const std::byte>> FileSource::fetch(uint64_t off, uint64_t len) {
  Buffer b(len);
  for (uint64_t done = 0; done < len;) {
    Result<uint64_t> n = pread_some(b.data() + done, len - done, off + done, {});
    if (!n) return tl::unexpected(n.error());
    done += *n;
  }
  chunks_.push_back(Chunk{off, std::move(b)});
  return chunks_.back().data.span();
}

Result<std::span<const std::byte>> FileSource::read(uint64_t off, uint64_t len,
                                                    std::string_view what) {
  if (Result<void> r = check_range(off, len, what); !r) return tl::unexpected(r.error());
  if (len == 0) return std::span<const std::byte>();
  for (const Chunk& c : chunks_) {
    if (off >= c.off && off - c.off <= c.data.size() && len <= c.data.size() - (off - c.off))
      return c.data.span().subspan(off - c.off, len);
  }
  // A miss close to EOF (section header table, .shstrtab, signature) takes the whole tail:
  // one pread instead of several.
  constexpr uint64_t kTailSlack = 64 << 10;
  if (size_ - (off + len) <= kTailSlack) {
    Result<std::span<const std::byte>> t = fetch(off, size_ - off);
    if (!t) return t;
    return t->subspan(0, len);
  }
  return fetch(off, len);
}

Result<void> FileSource::stream(uint64_t off, uint64_t len, std::string_view what,
                                const std::function<void(std::span<const std::byte>)>& sink) {
  if (Result<void> r = check_range(off, len, what); !r) return r;
  constexpr size_t kPiece = size_t{256} << 10;
  thread_local std::vector<std::byte> buf(kPiece);
  for (uint64_t done = 0; done < len;) {
    Result<uint64_t> n =
        pread_some(buf.data(), std::min<uint64_t>(kPiece, len - done), off + done, what);
    if (!n) return tl::unexpected(n.error());
    sink(std::span<const std::byte>(buf.data(), static_cast<size_t>(*n)));
    done += *n;
  }
  return {};
}

void FileSource::prefetch(const std::vector<std::pair<uint64_t, uint64_t>>& ranges,
                          uint64_t max_gap) {
  std::vector<std::pair<uint64_t, uint64_t>> todo;
  for (auto [b, e] : ranges) {
    if (e > size_) e = size_;
    if (b >= e) continue;
    bool cached = false;
    for (const Chunk& c : chunks_)
      if (b >= c.off && e <= c.off + c.data.size()) {
        cached = true;
        break;
      }
    if (!cached) todo.emplace_back(b, e);
  }
  std::sort(todo.begin(), todo.end());
  size_t i = 0;
  while (i < todo.size()) {
    uint64_t b = todo[i].first, e = todo[i].second;
    size_t j = i + 1;
    while (j < todo.size() && todo[j].first <= e + max_gap) {
      e = std::max(e, todo[j].second);
      ++j;
    }
    // Errors are ignored here: the later read() of the same range reports them.
    (void)fetch(b, e - b);
    i = j;
  }
}

}  // namespace ofsck::read::elf
