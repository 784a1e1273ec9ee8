// OFS110 unowned-module and OFS111 same-module-two-packages. No kernel message: these predict
// what the *next* package operation does. A module file no package owns (copied by hand, left by
// a failed DKMS run) is never updated or removed by the package manager, and keeps shadowing the
// packaged module after the vendor ships a fix. Two packages shipping one module name for one
// kernel means depmod's search order (depmod_module_is_higher_priority), not the packager,
// decides which one modprobe loads, and removing either package silently switches it.
#include "check/rules/packages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "check/rules.hpp"

namespace ofsck::check {

namespace {

std::string_view strip_root(std::string_view root, std::string_view path) {
  if (path.size() > root.size() && path.substr(0, root.size()) == root && path[root.size()] == '/')
    return path.substr(root.size());
  return {};
}

/// The target-system spelling of a physical path under the root ("" when it is not under it).
/// The resolver made a relative --root absolute (as depmod -b does), so accept both spellings.
std::string target_path(const Node& p, std::string_view path) {
  if (p.root.empty()) return std::string(path);
  std::string_view t = strip_root(p.root, path);
  if (t.empty() && p.root.front() != '/') {
    std::error_code ec;
    static thread_local std::string cwd_root;
    static thread_local std::string for_root;
    if (for_root != p.root) {
      for_root = p.root;
      cwd_root = std::filesystem::current_path(ec).string() + "/" + p.root;
    }
    t = strip_root(cwd_root, path);
  }
  return std::string(t);
}

bool is_config_path(std::string_view path) {
  return !path.empty() && path.back() != '/' &&
         (path.find("/modprobe.d/") != std::string_view::npos ||
          path.find("/depmod.d/") != std::string_view::npos);
}

bool is_module_path(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view ext : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"})
    if (base.size() > ext.size() && base.substr(base.size() - ext.size()) == ext) return true;
  return false;
}

const std::vector<uint32_t>* owners_of_file(const Node& p, const read::PackageDb& db,
                                            uint32_t file) {
  std::string t = target_path(p, p.resolution.files[file].path);
  return t.empty() ? nullptr : db.owners(t);
}

std::string label_of(const read::PackageDb& db, const std::vector<uint32_t>* owners) {
  if (!owners) return {};
  std::string s;
  for (uint32_t i : *owners) {
    if (!s.empty()) s += ", ";
    s += db.packages[i].label();
  }
  return s;
}

std::string file_and_owner(const Node& p, const read::PackageDb& db, uint32_t file) {
  std::string l = label_of(db, owners_of_file(p, db, file));
  return fmt::format("{} ({})", p.resolution.files[file].relpath,
                     l.empty() ? std::string(kNoPackage) : "from " + l);
}

}  // namespace

std::string owner_label(const read::PackageDb& db, std::string_view path) {
  return label_of(db, db.owners(path));
}

namespace {

/// What findings can point at: module files of the resolution (both /usr-merge spellings) and
/// depmod.d/modprobe.d files. On a live system the dpkg database lists every file of every
/// package, and we need a few thousand of them.
read::PathFilter package_filter(const Node& p) {
  auto wanted = std::make_shared<std::unordered_set<std::string>>();
  for (const auto& f : p.resolution.files) {
    std::string t = target_path(p, f.path);
    if (t.empty()) continue;
    std::string twin = read::usrmerge_twin(t);
    wanted->insert(std::move(t));
    if (!twin.empty()) wanted->insert(std::move(twin));
  }
  return [wanted](std::string_view path) {
    return is_config_path(path) || wanted->count(std::string(path)) != 0;
  };
}

}  // namespace

std::optional<read::PackageDb> read_packages(const Node& p, std::vector<Finding>& findings) {
  auto db_or = read::load_package_db(p.root, package_filter(p));
  if (!db_or) {
    Finding f = make_finding(kBadInput, db_or.error().where.path,
                             "package database cannot be read: " + db_or.error().message);
    if (!db_or.error().where.path.empty()) f.where.push_back(db_or.error().where);
    f.notes.push_back("package ownership is not shown");
    findings.push_back(std::move(f));
    return std::nullopt;
  }
  for (const auto& e : db_or->problems) {
    Finding f = make_finding(kBadInput, e.where.path, e.message);
    if (!e.where.path.empty()) f.where.push_back(e.where);
    findings.push_back(std::move(f));
  }
  if (db_or->empty()) return std::nullopt;
  return std::move(*db_or);
}

void apply_changes(const Node& p, read::PackageDb& db, const read::PackageChanges& changes) {
  read::apply_package_changes(db, changes, package_filter(p));
}

std::optional<read::PackageDb> load_packages(const Node& p, DiagnosticSink& sink,
                                             const read::PackageChanges* changes) {
  std::vector<Finding> findings;
  auto db = read_packages(p, findings);
  for (auto& f : findings) sink.add(std::move(f));
  if (db && changes) apply_changes(p, *db, *changes);
  return db;
}

void add_package_findings(const Node& p, const read::PackageDb& db, DiagnosticSink& sink) {
  const auto& res = p.resolution;
  // OFS110: winners no package owns.
  std::vector<const resolve::Selection*> unowned;
  for (const auto& sel : res.selections)
    if (!owners_of_file(p, db, sel.winner)) unowned.push_back(&sel);
  if (!unowned.empty() && unowned.size() == res.selections.size() && unowned.size() > 1) {
    // The whole tree: an image unpacked without its package manager, not a hand-copied module.
    Finding f = make_finding(kUnownedModule, p.kernel.release,
                             fmt::format("none of the {} modules of {} is owned by a package",
                                         unowned.size(), p.kernel.release));
    f.where.push_back(SourceRef{p.module_dir});
    f.notes.push_back("the tree was copied or extracted without the package manager: package "
                      "updates will not replace it");
    sink.add(std::move(f));
  } else {
    for (const auto* sel : unowned) {
      Finding f =
          make_finding(kUnownedModule, sel->name,
                       fmt::format("{} is owned by no package", res.files[sel->winner].relpath));
      f.where.push_back(SourceRef{res.files[sel->winner].path});
      f.set("module", sel->name);
      for (const auto& l : sel->losers)
        if (owners_of_file(p, db, l.file))
          f.notes.push_back(fmt::format("it shadows {}", file_and_owner(p, db, l.file)));
      f.notes.push_back("a module copied in by hand (or left by a failed DKMS run) is never "
                        "updated or removed by the package manager");
      f.hint = "install it from a package (DKMS or a kmod package), or delete it and run depmod";
      sink.add(std::move(f));
    }
  }
  // OFS111: one module name, several packages.
  for (const auto& sel : res.selections) {
    if (sel.candidates.size() < 2) continue;
    std::vector<uint32_t> pkgs;
    for (uint32_t c : sel.candidates)
      if (const auto* o = owners_of_file(p, db, c))
        for (uint32_t i : *o)
          if (std::find(pkgs.begin(), pkgs.end(), i) == pkgs.end()) pkgs.push_back(i);
    if (pkgs.size() < 2) continue;
    std::string losers;
    for (uint32_t c : sel.candidates) {
      if (c == sel.winner) continue;
      if (!losers.empty()) losers += ", ";
      losers += file_and_owner(p, db, c);
    }
    Finding f =
        make_finding(kSameModuleTwoPackages, sel.name,
                     fmt::format("module {} is shipped by {} packages for {}: {} wins over {}",
                                 sel.name, pkgs.size(), p.kernel.release,
                                 file_and_owner(p, db, sel.winner), losers));
    f.where.push_back(SourceRef{res.files[sel.winner].path});
    for (uint32_t c : sel.candidates)
      if (c != sel.winner) f.where.push_back(SourceRef{res.files[c].path});
    f.set("module", sel.name);
    for (const auto& l : sel.losers)
      f.notes.push_back(fmt::format("{} {}", res.files[l.file].relpath, l.reason));
    if (sel.tie) f.notes.push_back("the winner depends on directory read order (see OFS102)");
    f.notes.push_back("removing or upgrading either package silently changes which file "
                      "modprobe loads");
    f.hint = "keep one package, or pin the intended file with an `override` line in depmod.d";
    sink.add(std::move(f));
  }
}

namespace {

std::string package_of(const Node& p, const read::PackageDb& db, std::string_view path,
                       bool is_module) {
  std::string t;
  if (is_module || is_module_path(path)) {
    t = target_path(p, path);  // physical path under the root
  } else {
    // Config locations are target-system paths; accept a re-rooted spelling as well.
    std::string under = target_path(p, path);
    t = under.empty() ? std::string(path) : under;
    if (!is_config_path(t)) return {};
  }
  if (t.empty()) return {};
  std::string l = owner_label(db, t);
  return l.empty() ? std::string(kNoPackage) : l;
}

}  // namespace

std::string package_of(const Node& p, const read::PackageDb& db, std::string_view path) {
  return package_of(p, db, path, false);
}

void annotate_packages(const Node& p, const read::PackageDb& db, std::vector<Finding>& findings) {
  const auto& res = p.resolution;
  std::unordered_set<std::string> module_files;
  for (const auto& f : res.files) module_files.insert(f.path);
  for (auto& f : findings) {
    for (auto& w : f.where) {
      if (!w.package.empty() || w.path.empty()) continue;
      w.package = package_of(p, db, w.path, module_files.count(w.path) != 0);
    }
    // OFS106 names its losers in notes only: say which package ships every candidate.
    if (f.rule == kShadowedProvider) {
      auto it = std::find_if(res.selections.begin(), res.selections.end(),
                             [&](const resolve::Selection& s) { return s.name == f.subject; });
      if (it == res.selections.end() || it->candidates.size() < 2) continue;
      std::string s;
      for (uint32_t c : it->candidates) {
        if (!s.empty()) s += "; ";
        s += file_and_owner(p, db, c);
      }
      f.notes.push_back("packages: " + s);
    }
  }
}

}  // namespace ofsck::check
