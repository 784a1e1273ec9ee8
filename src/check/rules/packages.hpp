#pragma once
/// Package ownership in findings: who ships each module file and depmod.d/modprobe.d file
/// (OFS110 unowned-module, OFS111 same-module-two-packages, and SourceRef::package everywhere).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/check_tree.hpp"
#include "check/finding.hpp"
#include "read/pkgdb/pkgdb.hpp"

namespace ofsck::check {

/// What SourceRef::package says for a file no package owns (only when the root has a database).
inline constexpr std::string_view kNoPackage = "no package";  // no package name has a space

/// Reads the root's dpkg/RPM databases, keeping only the module files of the resolution and
/// depmod.d/modprobe.d files (prepare() fills Node::packages with it). nullopt when the root
/// has no package database, or it cannot be read (then an OFS304 finding in `findings` says
/// why; problems of a readable database are OFS304 findings too).
[[nodiscard]] std::optional<read::PackageDb> read_packages(const Node& p,
                                                           std::vector<Finding>& findings);

/// Applies package changes (installed or removed in memory only, e.g. whatif's) to a database
/// read by read_packages().
void apply_changes(const Node& p, read::PackageDb& db, const read::PackageChanges& changes);

/// read_packages() plus apply_changes(); reads the root's dpkg/RPM databases, keeping only the
/// module files of the resolution and depmod.d/modprobe.d files, then applies `changes` (packages
/// installed or removed in memory only, e.g. whatif's; nullptr: none). nullopt when the root has no
/// package database (an extracted tree) or it cannot be read (then an OFS304 finding says why).
[[nodiscard]] std::optional<read::PackageDb> load_packages(
    const Node& p, DiagnosticSink& sink, const read::PackageChanges* changes = nullptr);

/// What SourceRef::package says for `path` (a physical module file under p.root, or a
/// depmod.d/modprobe.d path as the target system spells it): "name_version" /
/// "name-version-release" (several joined by ", "), kNoPackage when no package owns it, ""
/// when the path is neither a module nor a configuration file.
[[nodiscard]] std::string package_of(const Node& p, const read::PackageDb& db,
                                     std::string_view path);

/// OFS110 (a winning module file no package owns) and OFS111 (two packages ship one module
/// name for this kernel; names the winner and why).
void add_package_findings(const Node& p, const read::PackageDb& db, DiagnosticSink& sink);

/// Fills SourceRef::package of every location that is a module file or a depmod.d/modprobe.d
/// file ("name_version" / "name-version-release", or kNoPackage), and adds to OFS106 findings a
/// note naming the package of every candidate file.
void annotate_packages(const Node& p, const read::PackageDb& db, std::vector<Finding>& findings);

/// The owners of a target-system path as one label ("" when unowned).
[[nodiscard]] std::string owner_label(const read::PackageDb& db, std::string_view path);

}  // namespace ofsck::check
