// The root's kmod version. Checked against Debian 12 (kmod 30+20221128-1: dpkg status and
// /usr/bin/kmod holding "kmod version 30") and Debian sid (kmod 34.2-2+b2: "kmod version 34.2").
#include "read/kmod_version.hpp"

#include <fmt/format.h>

#include <cctype>

#include "read/pkgdb/pkgdb.hpp"
#include "read/text/text_util.hpp"

namespace ofsck::read {

namespace {

/// A kmod binary is ~180 KiB; anything far larger is not one.
constexpr uint64_t kBinaryCap = uint64_t{64} << 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

int kmod_major(std::string_view v) {
  // A dpkg epoch ("1:34.2-2") precedes the upstream version.
  if (size_t colon = v.find(':'); colon != std::string_view::npos) {
    bool epoch = colon > 0;
    for (size_t i = 0; i < colon; ++i) epoch = epoch && is_digit(v[i]);
    if (epoch) v.remove_prefix(colon + 1);
  }
  int n = 0;
  size_t i = 0;
  for (; i < v.size() && is_digit(v[i]) && n < 100000; ++i) n = n * 10 + (v[i] - '0');
  return i == 0 ? 0 : n;
}

std::string kmod_version_in_binary(std::string_view bytes) {
  static constexpr std::string_view kTag = "kmod version ";
  for (size_t at = bytes.find(kTag); at != std::string_view::npos; at = bytes.find(kTag, at + 1)) {
    size_t s = at + kTag.size(), e = s;
    while (e < bytes.size() && e - s < 32 && (is_digit(bytes[e]) || bytes[e] == '.')) ++e;
    // The literal is NUL-terminated: "kmod version %s" format strings and help texts are not.
    if (e > s && is_digit(bytes[s]) && e < bytes.size() && bytes[e] == '\0')
      return std::string(bytes.substr(s, e - s));
  }
  return {};
}

std::string kmod_version_in_dpkg_status(std::string_view status) {
  // RFC822-like stanzas separated by blank lines; continuation lines start with a blank.
  std::string_view package, version, state;
  auto finish = [&]() -> bool {
    // "Status: install ok installed": the last word is the package state.
    std::string_view st = trim(state);
    bool installed = st.size() >= 10 && st.substr(st.size() - 10) == " installed";
    return package == "kmod" && installed && !version.empty();
  };
  size_t pos = 0;
  while (pos <= status.size()) {
    size_t nl = status.find('\n', pos);
    if (nl == std::string_view::npos) nl = status.size();
    std::string_view line = status.substr(pos, nl - pos);
    pos = nl + 1;
    if (trim(line).empty()) {
      if (finish()) return std::string(version);
      package = version = state = {};
      if (nl == status.size()) break;
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (key == "Package") package = value;
    else if (key == "Version") version = value;
    else if (key == "Status") state = value;
    if (nl == status.size()) break;
  }
  return finish() ? std::string(version) : std::string();
}

model::KmodVersion detect_kmod_version(const std::string& root) {
  model::KmodVersion out;
  const std::string status_path = "/var/lib/dpkg/status";
  if (Result<std::string> st = read_text_file(join_root(root, status_path)); st) {
    std::string v = kmod_version_in_dpkg_status(*st);
    if (!v.empty() && kmod_major(v) > 0) {
      out.major = kmod_major(v);
      out.text = v;
      out.source = fmt::format("{}: package kmod {}", status_path, v);
      out.detected = true;
      return out;
    }
  }
  // RPM: the package list only (no file lists are kept).
  if (Result<PackageDb> db = load_rpm_db(root, [](std::string_view) { return false; });
      db && db->have_rpm) {
    for (const model::Package& p : db->packages) {
      if (p.name != "kmod" || kmod_major(p.version) <= 0) continue;
      out.major = kmod_major(p.version);
      out.text = p.version;
      out.source = fmt::format("RPM database {}: package kmod {}", db->rpm_dbpath, p.version);
      out.detected = true;
      return out;
    }
  }
  for (const char* bin : {"/usr/bin/kmod", "/bin/kmod", "/usr/sbin/kmod", "/sbin/kmod"}) {
    Result<std::string> bytes = read_text_file(join_root(root, bin), kBinaryCap);
    if (!bytes) continue;
    std::string v = kmod_version_in_binary(*bytes);
    if (v.empty()) continue;
    out.major = kmod_major(v);
    out.text = v;
    out.source = fmt::format("{}: \"kmod version {}\"", bin, v);
    out.detected = true;
    return out;
  }
  out.source =
      "assumed kmod 30 (Debian 12): no kmod package in the root's dpkg/RPM database and no kmod "
      "binary under /usr/bin, /bin, /usr/sbin or /sbin";
  return out;
}

}  // namespace ofsck::read
