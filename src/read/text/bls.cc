// Boot Loader Specification entries: the key/value format of
// https://uapi-group.org/specifications/specs/boot_loader_specification/ and systemd-boot's
// ordering (src/boot/efi/boot.c boot_entry_compare()) and default pattern (loader.conf).
#include "read/text/bls.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "util/version_compare.hpp"

namespace ofsck::read {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

/// Calls f(key, value) for each `key value` line.
template <class F>
void for_each_pair(std::string_view text, F&& f) {
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty() || line.front() == '#') continue;
    size_t sp = 0;
    while (sp < line.size() && !blank(line[sp])) ++sp;
    f(line.substr(0, sp), trim(line.substr(sp)));
  }
}

}  // namespace

Result<BlsEntry> parse_bls_entry(std::string_view text, std::string id, std::string path) {
  if (text.find('\0') != std::string_view::npos)
    return make_error(ErrorCode::kMalformed, "boot loader entry holds a NUL byte: not a text file",
                      {path});
  BlsEntry e;
  e.id = std::move(id);
  e.path = std::move(path);
  for_each_pair(text, [&e](std::string_view k, std::string_view v) {
    if (k == "title") e.title = v;
    else if (k == "version") e.version = v;
    else if (k == "machine-id") e.machine_id = v;
    else if (k == "sort-key") e.sort_key = v;
    else if (k == "linux" && e.linux.empty()) e.linux = v;
  });
  return e;
}

std::optional<std::string> parse_loader_conf_default(std::string_view text) {
  std::optional<std::string> out;
  for_each_pair(text, [&out](std::string_view k, std::string_view v) {
    if (k == "default") out = std::string(v);
  });
  return out;
}

void sort_bls_entries(std::vector<BlsEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const BlsEntry& a, const BlsEntry& b) {
    const bool ka = !a.sort_key.empty(), kb = !b.sort_key.empty();
    if (ka != kb) return ka;
    if (ka) {
      if (int r = a.sort_key.compare(b.sort_key)) return r < 0;
      if (int r = a.machine_id.compare(b.machine_id)) return r < 0;
      if (int r = dpkg_version_compare(a.version, b.version)) return r > 0;
    }
    return dpkg_version_compare(a.id, b.id) > 0;
  });
}

std::optional<size_t> match_loader_default(const std::vector<BlsEntry>& entries,
                                           const std::string& pattern) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& id = entries[i].id;
    const std::string stem = id.ends_with(".conf") ? id.substr(0, id.size() - 5) : id;
    if (fnmatch(pattern.c_str(), id.c_str(), 0) == 0 ||
        fnmatch(pattern.c_str(), stem.c_str(), 0) == 0)
      return i;
  }
  return std::nullopt;
}

}  // namespace ofsck::read
