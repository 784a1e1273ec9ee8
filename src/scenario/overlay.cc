// Overlay (scenario/overlay.hpp): populate() mirrors one directory, materialize() turns the
// directories on the way to a path into real ones (following the root's own symlinks inside the
// root, chroot-like), slot() prepares where an entry goes.
#include "scenario/overlay.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace ofsck::scenario {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int e) { return std::strerror(e); }

/// "a/b/c" → {"a","b","c"}, dropping "" and "."; ".." pops (paths inside a root).
std::vector<std::string> split_rel(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view c = p.substr(i, j - i);
    if (c == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!c.empty() && c != ".") {
      out.emplace_back(c);
    }
    i = j + 1;
  }
  return out;
}

std::string join_rel(const std::vector<std::string>& v, size_t n) {
  std::string s;
  for (size_t i = 0; i < n && i < v.size(); ++i) {
    if (!s.empty()) s += '/';
    s += v[i];
  }
  return s;
}

}  // namespace

Result<std::shared_ptr<Overlay>> Overlay::create(std::string orig, const std::string& parent) {
  auto scratch = ScratchDir::create("whatif", "the overlay directory", parent);
  if (!scratch) return tl::unexpected(scratch.error());
  std::shared_ptr<Overlay> ov(new Overlay(std::move(*scratch), std::move(orig)));
  if (auto r = ov->populate(""); !r) return tl::unexpected(r.error());
  return ov;
}

/// Mirrors the entries of original directory `rel` into overlay directory `rel` (which must
/// be an empty real directory).
Result<void> Overlay::populate(const std::string& rel) {
  std::string src = orig_ + "/" + rel;
  DIR* d = opendir(src.empty() ? "/" : src.c_str());
  if (!d)
    return make_error(ErrorCode::kIo, fmt::format("cannot read directory: {}", errno_text(errno)),
                      {src});
  while (struct dirent* de = readdir(d)) {
    std::string name = de->d_name;
    if (name == "." || name == "..") continue;
    std::string orel = rel.empty() ? name : rel + "/" + name;
    std::string from = orig_ + "/" + orel, to = dir() + "/" + orel;
    struct stat st;
    if (lstat(from.c_str(), &st) != 0) continue;
    int rc;
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = readlink(from.c_str(), target.data(), target.size());
      if (n < 0) continue;
      target.resize(static_cast<size_t>(n));
      rc = symlink(target.c_str(), to.c_str());
    } else {
      rc = symlink(from.c_str(), to.c_str());
      if (rc == 0) mirrored_.insert(orel);
    }
    if (rc != 0) {
      int e = errno;
      closedir(d);
      return make_error(ErrorCode::kIo, fmt::format("cannot create symlink: {}", errno_text(e)),
                        {to});
    }
  }
  closedir(d);
  return {};
}

/// Makes overlay directory `rel` a real directory, following the root's own symlinks on the
/// way (inside the root); returns its normalised relative path.
Result<std::string> Overlay::materialize(const std::string& rel) {
  std::vector<std::string> want = split_rel(rel);
  size_t i = 0;
  for (int hops = 0; i < want.size();) {
    std::string cur = join_rel(want, i + 1);
    std::string p = dir() + "/" + cur;
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) {
      if (mkdir(p.c_str(), 0755) != 0)
        return make_error(ErrorCode::kIo, "cannot create directory: " + errno_text(errno), {p});
      ++i;
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      ++i;
      continue;
    }
    if (!S_ISLNK(st.st_mode))
      return make_error(ErrorCode::kMalformed, "not a directory on the root", {orig_ + "/" + cur});
    if (mirrored_.count(cur)) {
      struct stat ost;
      if (stat((orig_ + "/" + cur).c_str(), &ost) != 0 || !S_ISDIR(ost.st_mode))
        return make_error(ErrorCode::kMalformed, "not a directory on the root",
                          {orig_ + "/" + cur});
      if (unlink(p.c_str()) != 0 || mkdir(p.c_str(), 0755) != 0)
        return make_error(ErrorCode::kIo, "cannot create directory: " + errno_text(errno), {p});
      mirrored_.erase(cur);
      auto pop = populate(cur);
      if (!pop) return tl::unexpected(pop.error());
      ++i;
      continue;
    }
    // A symlink of the root: resolve it inside the root (chroot semantics) and go on there.
    if (++hops > 40)
      return make_error(ErrorCode::kMalformed, "too many levels of symbolic links",
                        {orig_ + "/" + cur});
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = readlink(p.c_str(), target.data(), target.size());
    if (n < 0) return make_error(ErrorCode::kIo, "readlink: " + errno_text(errno), {p});
    target.resize(static_cast<size_t>(n));
    std::string base = target.starts_with("/") ? target : join_rel(want, i) + "/" + target;
    std::vector<std::string> next = split_rel(base);
    for (size_t k = i + 1; k < want.size(); ++k) next.push_back(want[k]);
    want = std::move(next);
    i = 0;
  }
  return join_rel(want, want.size());
}

/// Where an entry `rel` goes: its parent materialised, any existing non-directory removed.
Result<std::string> Overlay::slot(const std::string& rel) {
  std::vector<std::string> parts = split_rel(rel);
  if (parts.empty()) return make_error(ErrorCode::kMalformed, "empty path");
  auto parent = materialize(join_rel(parts, parts.size() - 1));
  if (!parent) return tl::unexpected(parent.error());
  std::string p = dir() + "/" + (parent->empty() ? "" : *parent + "/") + parts.back();
  struct stat st;
  if (lstat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    unlink(p.c_str());
    mirrored_.erase((parent->empty() ? "" : *parent + "/") + parts.back());
  }
  return p;
}

Result<void> Overlay::put_file(const std::string& rel, std::span<const std::byte> data) {
  auto p = slot(rel);
  if (!p) return tl::unexpected(p.error());
  std::ofstream out(*p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) return make_error(ErrorCode::kIo, "cannot write overlay file", {*p});
  return {};
}

Result<void> Overlay::put_symlink(const std::string& rel, const std::string& target) {
  auto p = slot(rel);
  if (!p) return tl::unexpected(p.error());
  if (symlink(target.c_str(), p->c_str()) != 0)
    return make_error(ErrorCode::kIo, "cannot create symlink: " + errno_text(errno), {*p});
  return {};
}

Result<void> Overlay::put_hardlink(const std::string& rel, const std::string& existing) {
  auto p = slot(rel);
  if (!p) return tl::unexpected(p.error());
  std::error_code ec;
  fs::copy_file(dir() + "/" + existing, *p, fs::copy_options::overwrite_existing, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot copy hard link target: " + ec.message(), {*p});
  return {};
}

Result<void> Overlay::put_dir(const std::string& rel) {
  auto d = materialize(rel);
  if (!d) return tl::unexpected(d.error());
  return {};
}

/// Removes a non-directory entry, if present.
Result<void> Overlay::remove(const std::string& rel) {
  struct stat st;
  if (lstat((orig_ + "/" + rel).c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
    // Also try through the overlay (the path may go through a root symlink).
    if (stat((dir() + "/" + rel).c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return {};
  }
  auto p = slot(rel);
  if (!p) return tl::unexpected(p.error());
  return {};
}

}  // namespace ofsck::scenario
