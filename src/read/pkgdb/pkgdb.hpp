#pragma once
/// Who owns a file: dpkg's database (<root>/var/lib/dpkg: status + info/<pkg>[:<arch>].list) and
/// the RPM database (<root>/usr/lib/sysimage/rpm or <root>/var/lib/rpm, read with librpm), for a
/// live root or an image tree. No policy here: paths are target-system paths as the databases
/// record them ("/lib/modules/6.1.0-56-amd64/kernel/…"), never prefixed with the root.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/package.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// Keeps only paths for which it returns true (given the path as recorded). Empty = keep all.
using PathFilter = std::function<bool(std::string_view path)>;

/// Installed packages and the files they own.
struct PackageDb {
  std::vector<model::Package> packages;
  /// Target-system path as recorded → indices into `packages` (several when packages share a
  /// path, e.g. an RPM multilib pair or a dpkg-diverted file).
  std::unordered_map<std::string, std::vector<uint32_t>> owners_by_path;
  bool have_dpkg = false;       ///< <root>/var/lib/dpkg/status was read
  bool have_rpm = false;        ///< an RPM database was opened
  std::string rpm_dbpath;       ///< target-system dbpath used ("" when none)
  std::vector<Error> problems;  ///< per-package or per-database problems that were skipped
  /// RPM only, per index of `packages` (shorter when later packages are not RPM): the digest
  /// the package recorded for each kept path (RPMTAG_FILEDIGESTS), "md5:<hex>" or
  /// "sha256:<hex>" by RPMTAG_FILEDIGESTALGO; a path without one is absent.
  std::vector<std::unordered_map<std::string, std::string>> rpm_file_digests;

  /// Whether any database was found: without one, "owned by no package" means nothing.
  [[nodiscard]] bool empty() const { return !have_dpkg && !have_rpm; }

  /// Owners of a target-system path. Tries the path as given, then its usrmerge twin
  /// (/lib/… ⇄ /usr/lib/…, likewise /bin, /sbin, /lib32, /lib64, /libx32), because a package
  /// lists /lib/modules/… while a merged system scans /usr/lib/modules/… and vice versa.
  /// nullptr when no package owns it.
  [[nodiscard]] const std::vector<uint32_t>* owners(std::string_view path) const;
};

/// A package that is in no database yet, with the paths it ships: what `whatif --install`
/// lays over a root.
struct PackageAddition {
  model::Package package;
  std::vector<std::string> paths;  ///< target-system paths ("/lib/modules/…"); "/" is added
};

/// Changes to the databases of a root held in memory only (nothing on disk is written): the
/// packages a what-if installs and the ones it removes.
struct PackageChanges {
  std::vector<PackageAddition> install;
  std::vector<std::string> remove;  ///< package names or labels ("name_version", "n-v-r")
  [[nodiscard]] bool empty() const { return install.empty() && remove.empty(); }
};

/// Indices of the packages whose name or label is `name_or_label`.
[[nodiscard]] std::vector<uint32_t> find_packages(const PackageDb& db,
                                                  std::string_view name_or_label);

/// Applies `c` to `db`: removed packages own nothing any more (they stay in `packages`, so
/// indices are stable, with state "removed"); each installed package is appended and owns its
/// paths (those `keep` accepts). Where it ships a path that a package of the same name and
/// format owned (an upgrade overwrites its own files), that older package no longer owns it.
/// Whether the root has a database (empty()) does not change.
void apply_package_changes(PackageDb& db, const PackageChanges& c, const PathFilter& keep = {});

/// The other spelling of a path under usrmerge ("" when it has none).
[[nodiscard]] std::string usrmerge_twin(std::string_view path);

/// Reads every package database under `root` ("" or "/" = the live system). A database that is
/// absent is not an error; one that exists but cannot be read makes this fail only when no
/// other database could be read (otherwise it is recorded in PackageDb::problems).
[[nodiscard]] Result<PackageDb> load_package_db(const std::string& root,
                                                const PathFilter& keep = {});

/// dpkg only: <root>/var/lib/dpkg. Absent status file → empty db, have_dpkg false.
[[nodiscard]] Result<PackageDb> load_dpkg_db(const std::string& root, const PathFilter& keep = {});

/// RPM only, via librpm. Absent database → empty db, have_rpm false.
[[nodiscard]] Result<PackageDb> load_rpm_db(const std::string& root, const PathFilter& keep = {});

}  // namespace ofsck::read
