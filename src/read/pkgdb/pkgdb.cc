// Merging the package databases of one root, and usrmerge-aware lookup.
#include "read/pkgdb/pkgdb.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

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

std::vector<uint32_t> find_packages(const PackageDb& db, std::string_view name_or_label) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < db.packages.size(); ++i)
    if (db.packages[i].name == name_or_label || db.packages[i].label() == name_or_label)
      out.push_back(i);
  return out;
}

void apply_package_changes(PackageDb& db, const PackageChanges& c, const PathFilter& keep) {
  std::unordered_set<uint32_t> gone;
  for (const auto& name : c.remove)
    for (uint32_t i : find_packages(db, name)) gone.insert(i);
  for (uint32_t i : gone) db.packages[i].state = "removed";
  auto drop = [&db](const std::string& path, const auto& pred) {
    auto it = db.owners_by_path.find(path);
    if (it == db.owners_by_path.end()) return;
    std::erase_if(it->second, pred);
    if (it->second.empty()) db.owners_by_path.erase(it);
  };
  if (!gone.empty()) {
    for (auto it = db.owners_by_path.begin(); it != db.owners_by_path.end();) {
      std::erase_if(it->second, [&gone](uint32_t i) { return gone.count(i) != 0; });
      it = it->second.empty() ? db.owners_by_path.erase(it) : std::next(it);
    }
  }
  for (const auto& add : c.install) {
    auto pi = static_cast<uint32_t>(db.packages.size());
    db.packages.push_back(add.package);
    for (const auto& raw : add.paths) {
      std::string path = raw.starts_with("/") ? raw : "/" + raw;
      if (keep && !keep(path)) continue;
      // The new version of an installed package overwrites its own files (dpkg -i, rpm -U);
      // the file list it replaces may spell the path with the other usrmerge prefix.
      auto same = [&db, &add, pi](uint32_t i) {
        return i != pi && db.packages[i].name == add.package.name &&
               db.packages[i].format == add.package.format;
      };
      drop(path, same);
      if (std::string twin = usrmerge_twin(path); !twin.empty()) drop(twin, same);
      auto& v = db.owners_by_path[path];
      if (std::find(v.begin(), v.end(), pi) == v.end()) v.push_back(pi);
    }
  }
}

Result<PackageDb> load_package_db(const std::string& root, const PathFilter& keep) {
  auto dpkg_or = load_dpkg_db(root, keep);
  auto rpm_or = load_rpm_db(root, keep);
  if (!dpkg_or && !rpm_or) return tl::unexpected(dpkg_or.error());
  if (!dpkg_or && rpm_or->empty()) return tl::unexpected(dpkg_or.error());
  if (!rpm_or && (!dpkg_or || dpkg_or->empty())) return tl::unexpected(rpm_or.error());
  PackageDb db;
  if (dpkg_or) db = std::move(*dpkg_or);
  else db.problems.push_back(dpkg_or.error());
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
  if (!rpm_or->rpm_file_digests.empty()) {
    db.rpm_file_digests.resize(base);  // same shifted indices
    for (auto& d : rpm_or->rpm_file_digests) db.rpm_file_digests.push_back(std::move(d));
  }
  for (auto& e : rpm_or->problems) db.problems.push_back(std::move(e));
  return db;
}

}  // namespace ofsck::read
