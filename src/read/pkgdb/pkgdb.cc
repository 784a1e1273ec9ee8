// Merging the package databases of one root, and usrmerge-aware lookup.
#include "read/pkgdb/pkgdb.hpp"

#include <array>

namespace ofsck::read {

std::string usrmerge_twin(std::string_view path) {
  // The directories usrmerge turns into symlinks into /usr (Debian usrmerge, Fedora UsrMove).
  static constexpr std::array<std::string_view, 6> kMerged = {"/bin/",   "/sbin/",  "/lib/",
                                                              "/lib32/", "/lib64/", "/libx32/"};
  constexpr std::string_view kUsr = "/usr";
  for (std::string_view d : kMerged) {
    if (path.substr(0, d.size()) == d) return std::string(kUsr) + std::string(path);
    if (path.substr(0, kUsr.size()) == kUsr && path.substr(kUsr.size(), d.size()) == d)
      return std::string(path.substr(kUsr.size()));
  }
  return {};
}

const std::vector<uint32_t>* PackageDb::owners(std::string_view path) const {
  auto it = owners_by_path.find(std::string(path));
  if (it != owners_by_path.end()) return &it->second;
  std::string twin = usrmerge_twin(path);
  if (twin.empty()) return nullptr;
  it = owners_by_path.find(twin);
  return it == owners_by_path.end() ? nullptr : &it->second;
}

Result<PackageDb> load_package_db(const std::string& root, const PathFilter& keep) {
  auto dpkg_or = load_dpkg_db(root, keep);
  auto rpm_or = load_rpm_db(root, keep);
  if (!dpkg_or && !rpm_or) return tl::unexpected(dpkg_or.error());
  if (!dpkg_or && rpm_or->empty()) return tl::unexpected(dpkg_or.error());
  if (!rpm_or && (!dpkg_or || dpkg_or->empty())) return tl::unexpected(rpm_or.error());
  PackageDb db;
  if (dpkg_or)
    db = std::move(*dpkg_or);
  else
    db.problems.push_back(dpkg_or.error());
  if (!rpm_or) {
    db.problems.push_back(rpm_or.error());
    return db;
  }
  // Both: append the RPM side with shifted package indices (a root with both databases is an
  // image built on one distribution with the other's tools, e.g. rpm on Debian or alien).
  auto base = static_cast<uint32_t>(db.packages.size());
  db.have_rpm = rpm_or->have_rpm;
  db.rpm_dbpath = rpm_or->rpm_dbpath;
  for (auto& p : rpm_or->packages) db.packages.push_back(std::move(p));
  for (auto& [path, idx] : rpm_or->owners_by_path) {
    auto& v = db.owners_by_path[path];
    for (uint32_t i : idx) v.push_back(base + i);
  }
  for (auto& e : rpm_or->problems) db.problems.push_back(std::move(e));
  return db;
}

}  // namespace ofsck::read
