// dpkg's version ordering (lib/dpkg/version.c dpkg_version_compare(), verrevcmp(), order()),
// written from deb-version(7) and checked against `dpkg --compare-versions`.
#include "util/version_compare.hpp"

#include <cstdint>

namespace ofsck {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// dpkg order(): digits 0 (never compared here), letters themselves, '~' before all, the end 0,
/// anything else after the letters.
int order(char c) {
  if (is_digit(c)) return 0;
  if (is_alpha(c)) return static_cast<unsigned char>(c);
  if (c == '~') return -1;
  if (c) return static_cast<unsigned char>(c) + 256;
  return 0;
}

/// dpkg verrevcmp() over views: the end reads as NUL.
int verrevcmp(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto at = [](std::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
      const int ac = order(at(a, i)), bc = order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (is_digit(at(a, i)) && is_digit(at(b, j))) {
      if (!first_diff) first_diff = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (is_digit(at(a, i))) return 1;
    if (is_digit(at(b, j))) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct Parsed {
  uint64_t epoch = 0;
  std::string_view upstream, revision;
};

/// dpkg parseversion(): "epoch:" when the part before the first ':' is all digits, revision
/// after the last '-'.
Parsed parse(std::string_view v) {
  Parsed p;
  const size_t colon = v.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    bool digits = true;
    uint64_t e = 0;
    for (size_t k = 0; k < colon && digits; ++k) {
      digits = is_digit(v[k]);
      if (e < UINT64_MAX / 16) e = e * 10 + static_cast<uint64_t>(v[k] - '0');
    }
    if (digits) {
      p.epoch = e;
      v.remove_prefix(colon + 1);
    }
  }
  const size_t dash = v.rfind('-');
  p.upstream = dash == std::string_view::npos ? v : v.substr(0, dash);
  p.revision = dash == std::string_view::npos ? std::string_view() : v.substr(dash + 1);
  return p;
}

}  // namespace

int dpkg_version_compare(std::string_view a, std::string_view b) {
  const Parsed pa = parse(a), pb = parse(b);
  if (pa.epoch != pb.epoch) return pa.epoch < pb.epoch ? -1 : 1;
  if (int r = verrevcmp(pa.upstream, pb.upstream)) return r;
  return verrevcmp(pa.revision, pb.revision);
}

}  // namespace ofsck
