// `ofsck whatif`: the overlay root and the before/after difference (scenario/whatif.hpp).
//
// The overlay mirrors the inspected root lazily: at first it holds one symlink per top-level
// entry of the root. Only the directories on the way to a file the change adds or removes are
// "materialised" (turned into real directories whose entries are again symlinks to the
// original). The tree walk follows symlinks as depmod does (fstatat without
// AT_SYMLINK_NOFOLLOW), so every untouched file is still read from its original place.
// Symlinks of the root itself (usrmerge's lib → usr/lib, weak-updates links) are copied
// verbatim, so they resolve inside the overlay exactly as they do inside the root.
#include "scenario/whatif.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "check/rules/packages.hpp"
#include "read/archive/package.hpp"
#include "read/pkgdb/pkgdb.hpp"

namespace ofsck::check {

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

/// The private changed root. Removed (recursively, never following symlinks) on destruction.
class Overlay {
 public:
  Overlay(std::string dir, std::string orig) : dir_(std::move(dir)), orig_(std::move(orig)) {}
  ~Overlay() {
    std::error_code ec;
    fs::remove_all(dir_, ec);  // remove_all does not follow symlinks
  }
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

  const std::string& dir() const { return dir_; }
  /// Absolute original root, "" for "/".
  const std::string& orig() const { return orig_; }

  /// Mirrors the entries of original directory `rel` into overlay directory `rel` (which must
  /// be an empty real directory).
  Result<void> populate(const std::string& rel) {
    std::string src = orig_ + "/" + rel;
    DIR* d = opendir(src.empty() ? "/" : src.c_str());
    if (!d)
      return make_error(ErrorCode::kIo, fmt::format("cannot read directory: {}", errno_text(errno)),
                        {src});
    while (struct dirent* de = readdir(d)) {
      std::string name = de->d_name;
      if (name == "." || name == "..") continue;
      std::string orel = rel.empty() ? name : rel + "/" + name;
      std::string from = orig_ + "/" + orel, to = dir_ + "/" + orel;
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
  Result<std::string> materialize(const std::string& rel) {
    std::vector<std::string> want = split_rel(rel);
    size_t i = 0;
    for (int hops = 0; i < want.size();) {
      std::string cur = join_rel(want, i + 1);
      std::string p = dir_ + "/" + cur;
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
  Result<std::string> slot(const std::string& rel) {
    std::vector<std::string> parts = split_rel(rel);
    if (parts.empty()) return make_error(ErrorCode::kMalformed, "empty path");
    auto parent = materialize(join_rel(parts, parts.size() - 1));
    if (!parent) return tl::unexpected(parent.error());
    std::string p = dir_ + "/" + (parent->empty() ? "" : *parent + "/") + parts.back();
    struct stat st;
    if (lstat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      unlink(p.c_str());
      mirrored_.erase((parent->empty() ? "" : *parent + "/") + parts.back());
    }
    return p;
  }

  Result<void> put_file(const std::string& rel, std::span<const std::byte> data) {
    auto p = slot(rel);
    if (!p) return tl::unexpected(p.error());
    std::ofstream out(*p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) return make_error(ErrorCode::kIo, "cannot write overlay file", {*p});
    return {};
  }

  Result<void> put_symlink(const std::string& rel, const std::string& target) {
    auto p = slot(rel);
    if (!p) return tl::unexpected(p.error());
    if (symlink(target.c_str(), p->c_str()) != 0)
      return make_error(ErrorCode::kIo, "cannot create symlink: " + errno_text(errno), {*p});
    return {};
  }

  Result<void> put_hardlink(const std::string& rel, const std::string& existing) {
    auto p = slot(rel);
    if (!p) return tl::unexpected(p.error());
    std::error_code ec;
    fs::copy_file(dir_ + "/" + existing, *p, fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(ErrorCode::kIo, "cannot copy hard link target: " + ec.message(), {*p});
    return {};
  }

  Result<void> put_dir(const std::string& rel) {
    auto d = materialize(rel);
    if (!d) return tl::unexpected(d.error());
    return {};
  }

  /// Removes a non-directory entry, if present.
  Result<void> remove(const std::string& rel) {
    struct stat st;
    if (lstat((orig_ + "/" + rel).c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
      // Also try through the overlay (the path may go through a root symlink).
      if (stat((dir_ + "/" + rel).c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return {};
    }
    auto p = slot(rel);
    if (!p) return tl::unexpected(p.error());
    return {};
  }

 private:
  std::string dir_, orig_;
  std::unordered_set<std::string> mirrored_;  ///< overlay entries that link to the original
};

std::string WhatifReport::overlay_dir() const { return overlay ? overlay->dir() : std::string(); }

namespace {

/// Kernel a target path belongs to; "*" for configuration that every kernel reads; "" for
/// paths ofsck does not read.
std::string kernel_of(const std::string& rel) {
  auto after = [&](std::string_view prefix) -> std::string {
    if (!rel.starts_with(prefix)) return "";
    std::string rest = rel.substr(prefix.size());
    return rest.substr(0, rest.find('/'));
  };
  for (std::string_view p : {"lib/modules/", "usr/lib/modules/"})
    if (std::string k = after(p); !k.empty()) return k;
  if (std::string k = after("usr/src/linux-headers-"); !k.empty()) return k;
  for (std::string_view p : {"boot/vmlinuz-", "boot/symvers-", "boot/System.map-", "boot/config-"})
    if (rel.starts_with(p)) {
      std::string k = rel.substr(p.size());
      if (k.ends_with(".gz")) k.resize(k.size() - 3);
      return k;
    }
  for (std::string_view p : {"etc/depmod.d/", "etc/modprobe.d/", "lib/depmod.d/",
                             "lib/modprobe.d/", "usr/lib/depmod.d/", "usr/lib/modprobe.d/",
                             "run/depmod.d/", "run/modprobe.d/", "usr/local/lib/depmod.d/",
                             "usr/local/lib/modprobe.d/", "lib/firmware/", "usr/lib/firmware/"})
    if (rel.starts_with(p)) return "*";
  return "";
}

/// Kernel releases with a module directory under `root` (absolute, "" = /).
std::set<std::string> kernels_in(const std::string& root) {
  std::set<std::string> out;
  for (const char* d : {"/lib/modules", "/usr/lib/modules"}) {
    std::error_code ec;
    for (fs::directory_iterator it(root + d, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code ec2;
      if (it->is_directory(ec2) && !fs::is_empty(it->path(), ec2))
        out.insert(it->path().filename().string());
    }
  }
  return out;
}

std::string key_of(const Finding& f) { return f.rule + '\x1f' + f.subject + '\x1f' + f.message; }

Result<CheckResult> check_one(CheckOptions o, const std::string& root, const std::string& kver) {
  o.root = root.empty() ? "/" : root;
  o.kver = kver;
  auto p = prepare(o);
  if (!p) return tl::unexpected(p.error());
  return evaluate(*p, o);
}

Result<void> install_dir(Overlay& ov, const std::string& dir, std::set<std::string>& touched,
                         std::string& summary) {
  std::error_code ec;
  std::string base = fs::absolute(dir, ec).lexically_normal().string();
  while (base.size() > 1 && base.ends_with("/")) base.pop_back();
  size_t n = 0;
  fs::recursive_directory_iterator it(base, fs::directory_options::none, ec), end;
  if (ec) return make_error(ErrorCode::kIo, "cannot read directory: " + ec.message(), {dir});
  for (; it != end; it.increment(ec)) {
    if (ec) return make_error(ErrorCode::kIo, "cannot read directory: " + ec.message(), {dir});
    std::string abs = it->path().string();
    std::string rel = abs.substr(base.size() + 1);
    ++n;
    touched.insert(kernel_of(rel));
    std::error_code e2;
    if (it->is_symlink(e2)) {
      auto t = fs::read_symlink(it->path(), e2);
      auto r = ov.put_symlink(rel, t.string());
      if (!r) return r;
    } else if (it->is_directory(e2)) {
      auto r = ov.put_dir(rel);
      if (!r) return r;
    } else {
      auto r = ov.put_symlink(rel, abs);  // read from the directory itself
      if (!r) return r;
    }
  }
  summary = fmt::format("{} (directory, {} entries)", dir, n);
  return {};
}

/// Lays one package (.deb, .rpm or directory) over the overlay; returns its summary line.
/// `touched` gets the kernel releases of its paths (kernel_of()).
/// `added` (when given) gets the package's identity and every path it ships; its name stays
/// empty for a directory or a package that does not say who it is.
Result<std::string> lay_package(Overlay& ov, const std::string& pkg,
                                std::set<std::string>& touched,
                                read::PackageAddition* added = nullptr) {
  std::error_code ec;
  if (fs::is_directory(pkg, ec)) {
    std::string summary;
    if (auto r = install_dir(ov, pkg, touched, summary); !r) return tl::unexpected(r.error());
    return summary;
  }
  auto info = read::read_package(
      pkg, [&](const read::PackageEntry& e, std::span<const std::byte> data) -> Result<void> {
        touched.insert(kernel_of(e.path));
        if (added) added->paths.push_back("/" + e.path);
        if (e.is_dir()) return ov.put_dir(e.path);
        if (!e.hardlink.empty()) return ov.put_hardlink(e.path, e.hardlink);
        if (e.is_symlink()) return ov.put_symlink(e.path, e.symlink);
        if (e.is_regular()) return ov.put_file(e.path, data);
        return {};  // devices, fifos: nothing ofsck reads
      });
  if (!info) {
    Error err = info.error();
    if (err.where.path.empty()) err.where.path = pkg;
    return tl::unexpected(err);
  }
  if (added) {
    added->package.format =
        info->format == "rpm" ? model::Package::Format::kRpm : model::Package::Format::kDpkg;
    added->package.name = info->name;
    added->package.version = info->version;
    added->package.arch = info->arch;
    added->package.state = "installed";
  }
  return fmt::format("{} ({}, {} compressed with {}, {} entries)", pkg, info->format,
                     info->payload, info->compression, info->entries);
}

}  // namespace

Result<PackageOverlay> overlay_packages(const std::string& root,
                                        const std::vector<std::string>& packages,
                                        const std::string& tmp_dir) {
  PackageOverlay out;
  std::error_code ec;
  if (!root.empty() && root != "/") {
    out.orig = fs::absolute(root, ec).lexically_normal().string();
    while (out.orig.size() > 1 && out.orig.ends_with("/")) out.orig.pop_back();
    if (!fs::is_directory(out.orig, ec))
      return make_error(ErrorCode::kNotFound, "root is not a directory", {root});
  }
  std::string parent = tmp_dir;
  if (parent.empty()) parent = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  std::string tmpl = parent + "/ofsck-whatif-XXXXXX";
  if (!mkdtemp(tmpl.data()))
    return make_error(ErrorCode::kIo, "cannot create the overlay directory: " + errno_text(errno),
                      {parent});
  out.overlay = std::make_shared<Overlay>(tmpl, out.orig);
  out.dir = tmpl;
  if (auto r = out.overlay->populate(""); !r) return tl::unexpected(r.error());
  for (const auto& pkg : packages) {
    std::set<std::string> touched;
    auto summary = lay_package(*out.overlay, pkg, touched);
    if (!summary) return tl::unexpected(summary.error());
    touched.erase("");
    out.installed.push_back(std::move(*summary));
    out.touched.push_back(std::move(touched));
  }
  return out;
}

Result<WhatifReport> run_whatif(const WhatifOptions& o) {
  WhatifReport rep;
  rep.root = o.check.root;
  std::error_code ec;
  std::string orig;
  if (o.check.root.empty() || o.check.root == "/") {
    orig = "";
  } else {
    orig = fs::absolute(o.check.root, ec).lexically_normal().string();
    while (orig.size() > 1 && orig.ends_with("/")) orig.pop_back();
    if (!fs::is_directory(orig, ec))
      return make_error(ErrorCode::kNotFound, "root is not a directory", {o.check.root});
  }
  // Inputs that depend on the running system are fixed once, from the inspected root, so that
  // before and after see the same ones (the overlay is not "/").
  CheckOptions base = o.check;
  if (!base.cmdline && orig.empty()) {
    std::ifstream in("/proc/cmdline");
    std::string line;
    std::getline(in, line);
    base.cmdline = line;
  } else if (!base.cmdline) {
    base.cmdline = "";
  }

  std::string parent = o.tmp_dir;
  if (parent.empty()) parent = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  std::string tmpl = parent + "/ofsck-whatif-XXXXXX";
  if (!mkdtemp(tmpl.data()))
    return make_error(ErrorCode::kIo, "cannot create the overlay directory: " + errno_text(errno),
                      {parent});
  rep.overlay = std::make_shared<Overlay>(tmpl, orig);
  Overlay& ov = *rep.overlay;
  if (auto r = ov.populate(""); !r) return tl::unexpected(r.error());

  std::set<std::string> touched;
  // What the package databases say after the change, kept in memory only: the check of the
  // overlay (whose var/ still links to the root's databases) applies it
  // (CheckOptions::package_changes), so that ownership findings name the packages installed.
  read::PackageChanges db_changes;
  // Removals first: `--remove old --install new` is an upgrade.
  if (!o.remove.empty()) {
    auto db = read::load_package_db(orig);
    if (!db) return tl::unexpected(db.error());
    db_changes.remove = o.remove;
    for (const auto& name : o.remove) {
      std::vector<uint32_t> found = read::find_packages(*db, name);
      std::set<uint32_t> idx(found.begin(), found.end());
      if (idx.empty())
        return make_error(ErrorCode::kUsage,
                          fmt::format("--remove {}: no such package in the {} of {}", name,
                                      db->empty() ? "(absent) package databases"
                                                  : "package databases",
                                      orig.empty() ? "/" : orig));
      for (uint32_t i : idx) rep.removed.push_back(db->packages[i].label());
      for (const auto& [path, owners] : db->owners_by_path) {
        bool mine = false;
        for (uint32_t i : owners) mine |= idx.count(i) > 0;
        if (!mine) continue;
        // A path another remaining package also owns stays (dpkg keeps shared files).
        bool shared = false;
        for (uint32_t i : owners) shared |= idx.count(i) == 0;
        if (shared) continue;
        std::string rel = path;
        while (rel.starts_with("/")) rel.erase(0, 1);
        if (rel.empty()) continue;
        std::string k = kernel_of(rel);
        if (k.empty()) continue;  // nothing ofsck reads
        touched.insert(k);
        if (auto r = ov.remove(rel); !r) return tl::unexpected(r.error());
      }
    }
  }
  for (const auto& pkg : o.install) {
    read::PackageAddition added;
    auto summary = lay_package(ov, pkg, touched, &added);
    if (!summary) return tl::unexpected(summary.error());
    rep.installed.push_back(std::move(*summary));
    if (!added.package.name.empty()) db_changes.install.push_back(std::move(added));
  }
  touched.erase("");

  std::set<std::string> before_k = kernels_in(orig), after_k = kernels_in(ov.dir());
  std::set<std::string> kernels;
  if (!o.check.kver.empty()) {
    if (!before_k.count(o.check.kver) && !after_k.count(o.check.kver))
      return make_error(ErrorCode::kNotFound,
                        fmt::format("kernel {} has no module directory in the root, before or "
                                    "after the change",
                                    o.check.kver),
                        {orig.empty() ? "/" : orig});
    kernels.insert(o.check.kver);
  } else if (touched.count("*")) {
    kernels = before_k;
    kernels.insert(after_k.begin(), after_k.end());
  } else {
    for (const auto& k : touched)
      if (before_k.count(k) || after_k.count(k)) kernels.insert(k);
  }
  if (kernels.empty() && touched.empty()) {
    auto k = pick_kernel(orig.empty() ? "/" : orig, "");
    if (k) kernels.insert(*k);
  }
  std::shared_ptr<const read::PackageChanges> after_db;
  if (!db_changes.empty()) after_db = std::make_shared<const read::PackageChanges>(std::move(db_changes));
  for (const auto& k : kernels) {
    KernelDiff d;
    d.kernel = k;
    d.before_exists = before_k.count(k) > 0;
    d.after_exists = after_k.count(k) > 0;
    CheckResult before, after;
    if (d.before_exists) {
      auto r = check_one(base, orig, k);
      if (!r) return tl::unexpected(r.error());
      before = std::move(*r);
    }
    if (d.after_exists) {
      CheckOptions ao = base;
      // The overlay's paths are new on every run: read the root's cache entries through them
      // (untouched files are symlinks, so their stamps match) and never write the cache.
      ao.cache_alias_from = ov.dir();
      ao.cache_alias_to = orig;
      ao.package_changes = after_db;
      auto r = check_one(ao, ov.dir(), k);
      if (!r) {
        Error err = r.error();
        replace_all(err.message, ov.dir(), orig);
        replace_all(err.where.path, ov.dir(), orig);
        return tl::unexpected(err);
      }
      after = std::move(*r);
      for (auto& f : after.findings) replace_all(f, ov.dir(), orig);
      for (auto& m : after.modules) replace_all(m.file, ov.dir(), orig);
    }
    // Package scripts run depmod (Debian's kernel postinst, kmod RPMs' %post), so the on-disk
    // index is regenerated by the change itself: whether it is stale says nothing about it.
    for (auto* r : {&before, &after})
      std::erase_if(r->findings, [](const Finding& f) { return f.rule == kStaleIndex; });
    d.before_modules = before.modules.size();
    d.after_modules = after.modules.size();
    std::set<std::string> kb, ka;
    for (const auto& f : before.findings) kb.insert(key_of(f));
    for (const auto& f : after.findings) ka.insert(key_of(f));
    for (const auto& f : after.findings)
      if (!kb.count(key_of(f))) d.introduced.push_back(f);
    for (const auto& f : before.findings)
      if (!ka.count(key_of(f))) d.fixed.push_back(f);
    std::map<std::string, const ModuleResult*> bm;
    for (const auto& m : before.modules) bm[m.name] = &m;
    for (const auto& m : after.modules) {
      auto it = bm.find(m.name);
      if (it == bm.end()) continue;
      if (it->second->loads == m.loads) {
        if (it->second->file != m.file)
          d.winner_changes.push_back({k, m.name, it->second->loads, m.loads,
                                      it->second->errno_name, m.errno_name, it->second->file,
                                      m.file});
        continue;
      }
      d.changes.push_back({k, m.name, it->second->loads, m.loads, it->second->errno_name,
                           m.errno_name, it->second->file, m.file});
    }
    rep.kernels.push_back(std::move(d));
  }
  return rep;
}

}  // namespace ofsck::check
