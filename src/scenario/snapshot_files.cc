// The snapshot's packages and listed modules: each winning file is hashed (through the digest
// cache) and compared with what its package recorded (dpkg: info/<pkg>.md5sums; RPM: its file
// digests). A package's
// verified files go into its digest; every other winner is listed with the reason.
#include <algorithm>
#include <map>
#include <utility>

#include "read/file_digests.hpp"
#include "read/pkgdb/md5sums.hpp"
#include "scenario/snapshot_steps.hpp"
#include "util/timing.hpp"

namespace ofsck::check {

namespace {

/// What packages recorded for their files: dpkg's info/<pkg>.md5sums (read once per package),
/// RPM's file digests (read with the database).
class Records {
 public:
  Records(std::string root, const read::PackageDb& db) : root_(std::move(root)), db_(db) {}

  /// Whether package `p` recorded a digest for `path` (or its usrmerge twin), and whether it is
  /// the file's.
  enum class Match { kNone, kSame, kDiffers };
  Match match(uint32_t p, const std::string& path, const read::FileDigests& d) {
    if (db_.packages[p].format == model::Package::Format::kRpm) {
      if (p >= db_.rpm_file_digests.size()) return Match::kNone;
      const auto& m = db_.rpm_file_digests[p];
      auto f = m.find(path);
      if (f == m.end()) f = m.find(read::usrmerge_twin(path));
      if (f == m.end()) return Match::kNone;
      return f->second == "sha256:" + d.sha256 || f->second == "md5:" + d.md5 ? Match::kSame
                                                                              : Match::kDiffers;
    }
    const read::Md5Sums& m = md5sums(p);
    auto f = m.find(path);
    if (f == m.end()) f = m.find(read::usrmerge_twin(path));
    if (f == m.end()) return Match::kNone;
    return f->second == d.md5 ? Match::kSame : Match::kDiffers;
  }

 private:
  const read::Md5Sums& md5sums(uint32_t p) {
    auto it = sums_.find(p);
    if (it != sums_.end()) return it->second;
    read::Md5Sums sums;
    if (auto r = read::load_dpkg_md5sums(root_, db_.packages[p])) sums = std::move(*r);
    return sums_.emplace(p, std::move(sums)).first->second;
  }

  std::string root_;
  const read::PackageDb& db_;
  std::map<uint32_t, read::Md5Sums> sums_;
};

std::string on_node(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  if (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/')
    return path.substr(root.size());
  return path;
}

bool loads_of(const CheckResult& r, const std::string& name) {
  auto it =
      std::lower_bound(r.modules.begin(), r.modules.end(), name,
                       [](const ModuleResult& m, const std::string& n) { return m.name < n; });
  return it == r.modules.end() || it->name != name || it->loads;
}

SnapshotModule row(const Node& node, const CheckResult& r, const resolve::ResolvedModule& m,
                   const std::string& sha256) {
  SnapshotModule row;
  row.name = m.name;
  row.path = node.resolution.files[m.file].relpath;
  row.sha256 = sha256;
  if (m.module) {
    row.srcversion = m.module->info.srcversion;
    row.signer = m.module->sig.signer;
  }
  row.loads = loads_of(r, m.name);
  return row;
}

/// A package's digest over its verified files ("relpath\0sha256\n", sorted by relpath).
SnapshotPackage package_entry(const model::Package& p,
                              std::vector<std::pair<std::string, std::string>> files) {
  std::sort(files.begin(), files.end());
  std::string canon;
  for (const auto& [rel, sha] : files) canon += rel + '\0' + sha + '\n';
  return SnapshotPackage{p.name, p.version, files.size(), read::sha256_hex(canon)};
}

}  // namespace

void add_module_files(const Node& node, const CheckResult& result, const SnapshotInputs& in,
                      Snapshot& s) {
  const auto& mods = node.resolution.modules;
  std::vector<std::string> paths;
  paths.reserve(mods.size());
  for (const auto& m : mods) paths.push_back(node.resolution.files[m.file].path);
  PhaseTimer timer;
  read::DigestCache cache(in.cache_dir, node.module_dir);
  timer.lap("snapshot: digest cache load");
  auto digests = cache.digest(paths, in.threads);
  timer.lap("snapshot: digests");
  cache.save();
  const read::PackageDb* db = node.packages ? &*node.packages : nullptr;
  static const read::PackageDb kNoDb;
  Records records(node.root, db ? *db : kNoDb);
  std::map<uint32_t, std::vector<std::pair<std::string, std::string>>> verified;
  for (size_t i = 0; i < mods.size(); ++i) {
    if (!digests[i]) {
      s.problems.push_back(to_string(digests[i].error()));
      SnapshotModule x = row(node, result, mods[i], "");
      x.why = "unverified";
      s.modules.push_back(std::move(x));
      continue;
    }
    const std::string target = on_node(node.root, paths[i]);
    const std::vector<uint32_t>* owners = db ? db->owners(target) : nullptr;
    bool recorded = false, covered = false;
    for (uint32_t o : owners ? *owners : std::vector<uint32_t>{}) {
      Records::Match m = records.match(o, target, *digests[i]);
      recorded |= m != Records::Match::kNone;
      if (m == Records::Match::kSame) {
        verified[o].emplace_back(node.resolution.files[mods[i].file].relpath, digests[i]->sha256);
        covered = true;
        break;
      }
    }
    if (covered) continue;
    SnapshotModule x = row(node, result, mods[i], digests[i]->sha256);
    if (owners && !owners->empty()) {
      const model::Package& p = db->packages[owners->front()];
      x.package = p.name;
      x.version = p.version;
      x.why = recorded ? "modified" : "unverified";
    } else {
      x.why = "no-package";
    }
    s.modules.push_back(std::move(x));
  }
  timer.lap("snapshot: package records");
  for (auto& [p, files] : verified) s.packages.push_back(package_entry(db->packages[p], files));
  std::sort(s.packages.begin(), s.packages.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.version) < std::tie(b.name, b.version);
  });
  std::sort(s.modules.begin(), s.modules.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
}

}  // namespace ofsck::check
