// dpkg's info/<pkg>.md5sums, read on a bounded view.
#include "read/pkgdb/md5sums.hpp"

#include <fmt/format.h>

#include "read/text/text_util.hpp"

namespace ofsck::read {

namespace {

constexpr size_t kMd5Hex = 32;
constexpr uint64_t kMd5sumsCap = uint64_t{64} << 20;  // a kernel package's is ~0.5 MB

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char lower(char c) { return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c; }

/// One non-blank line into `out`; false when it is not "<hex>  <path>".
bool parse_line(std::string_view line, Md5Sums& out) {
  if (line.size() < kMd5Hex + 3) return false;
  std::string hex(kMd5Hex, '0');
  for (size_t i = 0; i < kMd5Hex; ++i) {
    if (!is_hex(line[i])) return false;
    hex[i] = lower(line[i]);
  }
  if (line[kMd5Hex] != ' ' || (line[kMd5Hex + 1] != ' ' && line[kMd5Hex + 1] != '*')) return false;
  std::string_view path = line.substr(kMd5Hex + 2);
  while (path.starts_with("./")) path.remove_prefix(2);
  if (path.empty() || path == "/") return false;
  std::string key = path.front() == '/' ? std::string(path) : "/" + std::string(path);
  out[std::move(key)] = std::move(hex);
  return true;
}

}  // namespace

Result<Md5Sums> parse_md5sums(std::string_view text, const std::string& source) {
  Md5Sums out;
  uint32_t lineno = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (line.empty()) continue;
    if (!parse_line(line, out)) {
      SourceRef where{source, lineno};
      where.text = std::string(line.substr(0, 200));
      return make_error(ErrorCode::kMalformed,
                        "not an md5sums line (expected 32 hex digits, two spaces, a path)",
                        std::move(where));
    }
  }
  return out;
}

Result<Md5Sums> load_dpkg_md5sums(const std::string& root, const model::Package& p) {
  const std::string info = join_root(root, "/var/lib/dpkg/info/");
  // dpkg's pkg_name_is_illegal() keeps '/' out of names; refuse them here too (no escape).
  if (p.name.find('/') != std::string::npos || p.arch.find('/') != std::string::npos ||
      p.name.empty())
    return make_error(ErrorCode::kMalformed, fmt::format("illegal package name '{}'", p.name));
  std::string path;
  Result<std::string> text = make_error(ErrorCode::kNotFound, "");
  if (!p.arch.empty()) {
    path = info + p.name + ":" + p.arch + ".md5sums";
    text = read_text_file(path, kMd5sumsCap);
  }
  if (!text) {
    path = info + p.name + ".md5sums";
    text = read_text_file(path, kMd5sumsCap);
  }
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound)
      return make_error(ErrorCode::kNotFound,
                        fmt::format("dpkg: package {} has no info/{}.md5sums", p.name, p.name),
                        SourceRef{path});
    return tl::unexpected(text.error());
  }
  return parse_md5sums(*text, path);
}

}  // namespace ofsck::read
