#include "read/text/text_util.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ofsck::read {

std::vector<LogicalLine> split_wrapped_lines(std::string_view data) {
  // Mirrors shared/util.c:freadline_wrapped(): `n` counts the newlines consumed for the
  // current logical line (continuations included) and is added to linenum on return.
  std::vector<LogicalLine> out;
  uint32_t linenum = 0;
  size_t i = 0, start = 0;  // `start`: where the current logical line's first physical line is
  LogicalLine cur;
  uint32_t n = 0;
  auto finish = [&] {
    ++n;
    cur.first_line = linenum + 1;
    linenum += n;
    cur.last_line = linenum;
    cur.first_text = data.substr(start, data.find('\n', start) - start);
    out.push_back(std::move(cur));
  };
  for (;;) {
    if (i >= data.size()) {
      if (cur.text.empty()) break;  // kmod: `if (i == 0) return NULL`
      finish();
      break;
    }
    char ch = data[i++];
    if (ch == '\n') {
      finish();
      cur = LogicalLine{};
      n = 0;
      start = i;
      continue;
    }
    if (ch == '\\') {
      if (i >= data.size()) {
        cur.text.push_back('\xff');  // getc() returned EOF and kmod stored it as a char
        continue;
      }
      ch = data[i++];
      if (ch == '\n') {
        ++n;
        continue;
      }
    }
    cur.text.push_back(ch);
  }
  return out;
}

std::optional<std::string_view> Strtok::next(std::string_view delims) {
  if (pos_ >= s_.size()) return std::nullopt;
  size_t start = s_.find_first_not_of(delims, pos_);
  if (start == std::string_view::npos) {
    pos_ = s_.size();
    return std::nullopt;
  }
  size_t end = s_.find_first_of(delims, start);
  if (end == std::string_view::npos) {
    pos_ = s_.size();
    return s_.substr(start);
  }
  pos_ = end + 1;
  return s_.substr(start, end - start);
}

std::optional<std::string_view> Strtok::rest() {
  if (pos_ >= s_.size()) return std::nullopt;
  std::string_view r = s_.substr(pos_);
  pos_ = s_.size();
  return r;
}

std::optional<std::string> kmod_underscores(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    switch (out[i]) {
      case '-': out[i] = '_'; break;
      case ']': return std::nullopt;
      case '[': {
        size_t close = out.find(']', i);
        if (close == std::string::npos) return std::nullopt;
        i = close;
        break;
      }
      default: break;
    }
  }
  return out;
}

std::optional<std::string> kmod_alias_normalize(std::string_view s) {
  constexpr size_t kPathMax = 4096;
  return kmod_underscores(s.substr(0, std::min(s.size(), kPathMax - 1)));
}

Result<std::string> read_text_file(const std::string& path, uint64_t cap) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return make_error(e == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                      fmt::format("cannot open: {}", std::strerror(e)), SourceRef{path});
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kIo, "is a directory", SourceRef{path});
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo, fmt::format("read failed: {}", std::strerror(e)),
                        SourceRef{path});
    }
    if (r == 0) break;
    if (out.size() + static_cast<uint64_t>(r) > cap) {
      ::close(fd);
      return make_error(ErrorCode::kTooLarge,
                        fmt::format("file is larger than the {:#x}-byte cap", cap),
                        SourceRef{path});
    }
    out.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  return out;
}

std::string join_root(std::string_view root, std::string_view path) {
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  if (root.empty()) return std::string(path);
  std::string out(root);
  if (path.empty() || path.front() != '/') out.push_back('/');
  out.append(path);
  return out;
}

SourceRef line_ref(std::string path, LineAt at) {
  SourceRef r;
  r.path = std::move(path);
  r.line = at.number;
  r.text = std::string(at.text);
  return r;
}

model::ConfigProblem make_problem(std::string kind, std::string path, LineAt line,
                                  std::string message, std::string kmod_message) {
  model::ConfigProblem p;
  p.where = line_ref(std::move(path), line);
  p.message = std::move(message);
  p.kmod_message = std::move(kmod_message);
  p.kind = std::move(kind);
  return p;
}

std::string printable(std::string_view s) { return std::string(s); }

}  // namespace ofsck::read
