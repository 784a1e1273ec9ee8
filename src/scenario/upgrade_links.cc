// The steps of plan_upgrade() that find the candidates and place their links
// (scenario/upgrade_steps.hpp).
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>

#include "resolve/select.hpp"
#include "scenario/upgrade_steps.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

namespace {

/// True when `a` and `b` are the same file on the inspected root. Symlinks with absolute targets
/// (weak-modules writes `/lib/modules/<krel>/extra/x.ko`) are followed re-rooted.
bool same_file(const std::string& root, const std::string& a, const std::string& b) {
  auto key = [&root](const std::string& p, dev_t& dev, ino_t& ino) {
    std::string cur = p;
    for (int hops = 0; hops < 16; ++hops) {
      struct stat st;
      if (lstat(cur.c_str(), &st) != 0) return false;
      if (!S_ISLNK(st.st_mode)) {
        dev = st.st_dev;
        ino = st.st_ino;
        return true;
      }
      std::error_code ec;
      fs::path t = fs::read_symlink(cur, ec);
      if (ec) return false;
      cur = t.is_absolute() ? root + t.string() : (fs::path(cur).parent_path() / t).string();
    }
    return false;
  };
  dev_t da = 0, db = 0;
  ino_t ia = 0, ib = 0;
  return key(a, da, ia) && key(b, db, ib) && da == db && ia == ib;
}

/// weak-modules' module_weak_link(): the path after /lib/modules/<krel>/<first dir>/.
std::string weak_subpath(const resolve::ScannedFile& f) {
  if (f.external >= 0) return f.relpath.substr(f.relpath.rfind('/') + 1);
  auto slash = f.relpath.find('/');
  return slash == std::string::npos ? f.relpath : f.relpath.substr(slash + 1);
}

bool built_with_kernel(const resolve::ScannedFile& f, const model::ModuleFile* m) {
  return f.external < 0 && f.relpath.rfind("kernel/", 0) == 0 && m && m->info.intree;
}

/// The link weak-modules would create on TO for FROM's file `sf`.
resolve::ScannedFile weak_link(const UpgradePlan& p, const resolve::ScannedFile& sf) {
  const resolve::Resolution& tres = p.to.resolution;
  resolve::ScannedFile l;
  l.relpath = "weak-updates/" + weak_subpath(sf);
  l.kmod_path = tres.kmod_dirname + "/" + l.relpath;
  l.path = p.to.module_dir + "/" + l.relpath;
  l.dir = l.relpath.substr(0, l.relpath.rfind('/'));
  l.base_off = l.kmod_path.rfind('/') + 1;
  l.stem = sf.stem;
  l.name = sf.name;
  l.compression = sf.compression;
  return l;
}

/// Why the link loses to (or ties with) TO's winner `w` for `name`.
std::string link_note(const resolve::Decision& d, const resolve::ScannedFile& l,
                      const resolve::ScannedFile& w, const std::string& name,
                      const std::string& to) {
  if (d.keep_old)
    return d.rule == resolve::Decision::Rule::kOverrideOld
               ? fmt::format("an override keeps {} for {} on {}", w.relpath, name, to)
           : d.equal_prio
               ? fmt::format("{} and {} have equal search priority: readdir() order decides "
                             "which wins; `override {} {} weak-updates` in depmod.d would make "
                             "the link win",
                             l.relpath, w.relpath, name, to)
               : fmt::format("{} would be shadowed by {}: the search order ranks weak-updates "
                             "below it; only `override {} {} weak-updates` in depmod.d would "
                             "make the link win",
                             l.relpath, w.relpath, name, to);
  if (d.equal_prio)
    return fmt::format("{} and {} have equal search priority: readdir() order decides", l.relpath,
                       w.relpath);
  return "";
}

}  // namespace

void find_candidates(UpgradePlan& p) {
  const resolve::Resolution& fres = p.from.resolution;
  for (const auto& m : fres.modules) {
    const auto& sf = fres.files[m.file];
    if (!m.module || built_with_kernel(sf, &*m.module)) continue;
    p.cands.push_back(Candidate{m.file, &*m.module, m.name, false});
  }
}

void decide_links(UpgradePlan& p) {
  const resolve::Resolution& tres = p.to.resolution;
  resolve::PriorityRules rules(p.to.depmod_config, tres.kmod_dirname);
  p.link_notes.assign(p.cands.size(), "");
  std::unordered_map<std::string, size_t> tsel;
  for (size_t i = 0; i < tres.selections.size(); ++i) tsel[tres.selections[i].name] = i;
  for (size_t c = 0; c < p.cands.size(); ++c) {
    const auto& sf = p.from.resolution.files[p.cands[c].from_file];
    p.links.push_back(weak_link(p, sf));
    const resolve::ScannedFile& l = p.links.back();
    auto it = tsel.find(p.cands[c].name);
    if (it == tsel.end()) {
      p.cands[c].link_wins = true;
      continue;
    }
    const auto& sel = tres.selections[it->second];
    const auto& w = tres.files[sel.winner];
    if (same_file(p.to.root, w.path, sf.path)) {  // already linked (or the same file) and winning
      p.cands[c].link_wins = true;
      continue;
    }
    auto d = rules.compare(w, l);
    p.cands[c].link_wins = !d.keep_old;
    p.link_notes[c] = link_note(d, l, w, sel.name, p.rep.to);
  }
}

void as_is_verdicts(UpgradePlan& p) {
  const resolve::Resolution& tres = p.to.resolution;
  EvalOptions eval_opts = to_inputs(p.o).eo;
  p.as_is_index.assign(p.cands.size(), -1);
  for (size_t c = 0; c < p.cands.size(); ++c) {
    auto it = tres.module_by_name.find(p.cands[c].name);
    if (it == tres.module_by_name.end()) continue;
    const auto& w = tres.files[tres.modules[static_cast<size_t>(it->second)].file];
    if (same_file(p.to.root, w.path, p.from.resolution.files[p.cands[c].from_file].path)) {
      p.as_is_index[c] = it->second;
      eval_opts.only.push_back(p.cands[c].name);
    }
  }
  if (eval_opts.only.empty()) return;
  p.as_is = evaluate(p.to, eval_opts);
  if (p.to.verified_signatures) p.to.verified_signatures->save();
  for (const auto& mr : p.as_is.modules) p.verdicts[mr.name] = &mr;
}

}  // namespace ofsck::check
