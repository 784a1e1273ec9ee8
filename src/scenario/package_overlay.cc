// lay_package(), overlay_packages() (scenario/package_overlay.hpp): package entries become
// overlay entries; a directory's files become symlinks to them (read where they are).
#include "scenario/package_overlay.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "read/archive/package.hpp"
#include "scenario/scratch_root.hpp"

namespace ofsck::scenario {

namespace fs = std::filesystem;

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
  for (std::string_view p :
       {"etc/depmod.d/", "etc/modprobe.d/", "lib/depmod.d/", "lib/modprobe.d/", "usr/lib/depmod.d/",
        "usr/lib/modprobe.d/", "run/depmod.d/", "run/modprobe.d/", "usr/local/lib/depmod.d/",
        "usr/local/lib/modprobe.d/", "lib/firmware/", "usr/lib/firmware/"})
    if (rel.starts_with(p)) return "*";
  return "";
}

namespace {

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

}  // namespace

Result<std::string> lay_package(Overlay& ov, const std::string& pkg, std::set<std::string>& touched,
                                read::PackageAddition* added) {
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
  return fmt::format("{} ({}, {} compressed with {}, {} entries)", pkg, info->format, info->payload,
                     info->compression, info->entries);
}

Result<PackageOverlay> overlay_packages(const std::string& root,
                                        const std::vector<std::string>& packages,
                                        const std::string& tmp_dir) {
  PackageOverlay out;
  auto orig = absolute_root(root);
  if (!orig) return tl::unexpected(orig.error());
  out.orig = *orig;
  auto ov = Overlay::create(out.orig, tmp_dir);
  if (!ov) return tl::unexpected(ov.error());
  out.overlay = std::move(*ov);
  out.dir = out.overlay->dir();
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

}  // namespace ofsck::scenario
