// Content digests of module files for `snapshot`, with their own small cache file.
#include "read/file_digests.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "read/text/text_util.hpp"
#include "util/atomic_file.hpp"
#include "util/parallel_for.hpp"

namespace ofsck::read {

namespace {

constexpr std::string_view kMagic = "ofsck-digests 1\n";
constexpr uint64_t kCacheCap = uint64_t{64} << 20;

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_MD_CTX, CtxFree>;

std::string hex(const unsigned char* p, unsigned n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(size_t{2} * n, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  return s;
}

uint64_t fnv64(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

/// The next blank-separated word of `line` from `pos`, as an integer.
template <class T>
bool next_number(std::string_view line, size_t& pos, T& out) {
  size_t end = line.find(' ', pos);
  if (end == std::string_view::npos) return false;
  auto r = std::from_chars(line.data() + pos, line.data() + end, out);
  pos = end + 1;
  return r.ec == std::errc() && r.ptr == line.data() + end;
}

bool next_word(std::string_view line, size_t& pos, size_t len, std::string& out) {
  if (pos + len >= line.size() || line[pos + len] != ' ') return false;
  out = std::string(line.substr(pos, len));
  pos += len + 1;
  return true;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &n, EVP_sha256(), nullptr);
  return hex(out, n);
}

Result<FileDigests> digest_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(ErrorCode::kIo, fmt::format("cannot open: {}", std::strerror(errno)),
                      SourceRef{path});
  Ctx sha(EVP_MD_CTX_new()), md5(EVP_MD_CTX_new());
  EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr);
  EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr);
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  for (;;) {
    ssize_t r = ::read(fd, buf.get(), 1 << 20);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo, fmt::format("read failed: {}", std::strerror(e)),
                        SourceRef{path});
    }
    if (r == 0) break;
    EVP_DigestUpdate(sha.get(), buf.get(), static_cast<size_t>(r));
    EVP_DigestUpdate(md5.get(), buf.get(), static_cast<size_t>(r));
  }
  ::close(fd);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  FileDigests d;
  EVP_DigestFinal_ex(sha.get(), out, &n);
  d.sha256 = hex(out, n);
  EVP_DigestFinal_ex(md5.get(), out, &n);
  d.md5 = hex(out, n);
  return d;
}

DigestCache::DigestCache(std::string dir, const std::string& scope) {
  if (dir.empty()) return;
  file_ = fmt::format("{}/digests-{:016x}.txt", dir, fnv64(scope));
  load();
}

/// Lines "size mtime ctime ino dev sha256 md5 path". Any malformed line drops the whole file.
void DigestCache::load() {
  auto text = read_text_file(file_, kCacheCap);
  if (!text || !text->starts_with(kMagic)) return;
  std::string_view t(*text);
  for (size_t pos = kMagic.size(); pos < t.size();) {
    size_t nl = t.find('\n', pos);
    if (nl == std::string_view::npos) return entries_.clear();  // torn
    std::string_view line = t.substr(pos, nl - pos);
    pos = nl + 1;
    Entry e;
    size_t p = 0;
    if (!next_number(line, p, e.stamp.size) || !next_number(line, p, e.stamp.mtime_ns) ||
        !next_number(line, p, e.stamp.ctime_ns) || !next_number(line, p, e.stamp.ino) ||
        !next_number(line, p, e.stamp.dev) || !next_word(line, p, 64, e.d.sha256) ||
        !next_word(line, p, 32, e.d.md5) || p >= line.size())
      return entries_.clear();
    entries_[std::string(line.substr(p))] = std::move(e);
  }
}

std::vector<Result<FileDigests>> DigestCache::digest(const std::vector<std::string>& paths,
                                                     unsigned threads) {
  std::vector<Result<FileDigests>> out(paths.size(), FileDigests{});
  std::vector<FileStamp> stamps(paths.size());
  using Hit = std::unordered_map<std::string, Entry>::iterator;
  std::vector<Hit> hit(paths.size(), entries_.end());
  std::vector<char> stamped(paths.size(), 0);
  // stat() is most of a warm run: on every core, each index writing only its own slots.
  parallel_for(paths.size(), threads, [&](size_t i) {
    if (!stamp_file(paths[i], stamps[i])) return;
    stamped[i] = 1;
    auto it = entries_.find(paths[i]);
    if (it != entries_.end() && it->second.stamp == stamps[i]) hit[i] = it;
  });
  std::vector<size_t> todo;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (hit[i] == entries_.end()) {
      todo.push_back(i);
      continue;
    }
    out[i] = hit[i]->second.d;
    kept_.push_back(hit[i]);  // written back by save() only if something was hashed
  }
  parallel_for(todo.size(), threads, [&](size_t k) { out[todo[k]] = digest_file(paths[todo[k]]); });
  for (size_t i : todo) {
    // Stamped before hashing: a file changed meanwhile gets a stale stamp, so is hashed again.
    if (out[i] && stamped[i] && paths[i].find('\n') == std::string::npos)
      used_.insert_or_assign(paths[i], Entry{stamps[i], *out[i]});
  }
  hits_ += paths.size() - todo.size();
  misses_ += todo.size();
  return out;
}

void DigestCache::save() const {
  if (file_.empty() || misses_ == 0) return;
  std::string s(kMagic);
  s.reserve((kept_.size() + used_.size()) * 200);
  auto line = [&s](const std::string& path, const Entry& e) {
    s += fmt::format("{} {} {} {} {} {} {} {}\n", e.stamp.size, e.stamp.mtime_ns, e.stamp.ctime_ns,
                     e.stamp.ino, e.stamp.dev, e.d.sha256, e.d.md5, path);
  };
  for (auto it : kept_)
    if (!used_.count(it->first)) line(it->first, it->second);
  for (const auto& [path, e] : used_) line(path, e);
  std::error_code ec;
  size_t slash = file_.rfind('/');
  if (slash != std::string::npos) std::filesystem::create_directories(file_.substr(0, slash), ec);
  (void)write_file_atomically(file_, s);
}

}  // namespace ofsck::read
