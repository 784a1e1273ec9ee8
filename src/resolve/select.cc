#include "resolve/select.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ofsck::resolve {
namespace {

std::string where_str(const SourceRef& w) {
  if (w.path.empty()) return "";
  return w.path + (w.line ? ":" + std::to_string(w.line) : "");
}

/// Every '/'-terminated prefix of a path: the directories a file sits under.
bool shares_dir(std::string_view a, std::string_view prefix) {
  return a.size() > prefix.size() && a.substr(0, prefix.size()) == prefix;
}

}  // namespace

PriorityRules::PriorityRules(const model::DepmodConfig& cfg, std::string kmod_dirname)
    : cfg_(cfg), dirname_(std::move(kmod_dirname)) {
  // cfg_override_add/cfg_search_add/cfg_external_add prepend: the kmod lists run in reverse
  // parse order. Non-matching kvers were never added.
  for (size_t k = cfg.overrides.size(); k-- > 0;) {
    const model::DepmodOverride& o = cfg.overrides[k];
    if (o.kver_matches) overrides_.push_back({static_cast<int>(k), o.subdir + "/" + o.modname});
  }
  if (cfg.search.empty()) {
    // cfg_load(): no search line at all → "updates" alone (not "updates built-in").
    searches_.push_back({Search::kPath, "updates", -1});
  }
  for (size_t k = cfg.search.size(); k-- > 0;) {
    const std::string& e = cfg.search[k].entry;
    Search s{Search::kPath, e, static_cast<int>(k)};
    if (e == "built-in") s.type = Search::kBuiltin;
    else if (e == "external") s.type = Search::kExternal;
    searches_.push_back(std::move(s));
  }
  for (size_t k = cfg.externals.size(); k-- > 0;)
    if (cfg.externals[k].kver_matches)
      externals_.push_back({cfg.externals[k].dir, static_cast<int>(k)});
}

// depmod_module_is_higher_priority(), kmod v30. Paths are compared the way depmod does: the
// full path truncated right after the raw stem (baselen + modnamelen), relative to cfg->dirname
// when it starts with it (strncmp without checking the following '/').
Decision PriorityRules::compare(const ScannedFile& old_file, const ScannedFile& new_file) const {
  Decision d;
  const std::string_view newpath = new_file.kmod_path, oldpath = old_file.kmod_path;
  const size_t newlen = new_file.base_off + new_file.stem.size();
  const size_t oldlen = old_file.base_off + old_file.stem.size();
  const size_t dl = dirname_.size();
  auto relative = [&](std::string_view path, size_t len) -> std::string_view {
    if (path.size() >= dl + 1 && path.substr(0, dl) == dirname_ && len > dl)
      return path.substr(dl + 1, len - (dl + 1));
    return {};
  };
  const std::string_view relnew = relative(newpath, newlen), relold = relative(oldpath, oldlen);

  auto by_override = [&](const Override& ov, Decision::Rule rule) {
    d.rule = rule;
    d.keep_old = rule == Decision::Rule::kOverrideOld;
    d.override_index = ov.index;
    d.where = cfg_.overrides[ov.index].where;
    return d;
  };
  for (const Override& ov : overrides_) {
    if (!relnew.empty() && relnew == ov.path) return by_override(ov, Decision::Rule::kOverrideNew);
    if (!relold.empty() && relold == ov.path) return by_override(ov, Decision::Rule::kOverrideOld);
  }

  // depmod_is_path_starts_with(): longer than the prefix, '/' right after it.
  auto starts = [](std::string_view path, size_t len, std::string_view prefix) {
    return len > prefix.size() && path[prefix.size()] == '/' &&
           path.substr(0, prefix.size()) == prefix;
  };
  int i = 0, bprio = -1, oldprio = -1, newprio = -1, builtin_idx = -1;
  for (const Search& se : searches_) {
    if (se.type == Search::kBuiltin) {
      bprio = i;
      builtin_idx = se.index;
    } else if (se.type == Search::kExternal) {
      for (const External& ext : externals_) {
        if (starts(newpath, newlen, ext.path)) {
          newprio = i;
          d.new_search = se.index;
        }
        if (starts(oldpath, oldlen, ext.path)) {
          oldprio = i;
          d.old_search = se.index;
        }
        ++i;
      }
    } else if (starts(relnew, relnew.size(), se.path)) {
      newprio = i;
      d.new_search = se.index;
    } else if (starts(relold, relold.size(), se.path)) {  // the else-if quirk
      oldprio = i;
      d.old_search = se.index;
    }
    ++i;
  }
  if (newprio < 0) {
    newprio = bprio;
    d.new_search = -1;
  }
  if (oldprio < 0) {
    oldprio = bprio;
    d.old_search = -1;
  }
  d.rule = Decision::Rule::kSearch;
  d.old_prio = oldprio;
  d.new_prio = newprio;
  d.builtin_prio = bprio;
  d.keep_old = newprio <= oldprio;
  d.equal_prio = newprio == oldprio;
  d.builtin_search = builtin_idx;
  int win_entry = d.keep_old ? d.old_search : d.new_search;
  if (win_entry < 0) win_entry = builtin_idx;
  if (win_entry >= 0) d.where = cfg_.search[win_entry].where;
  return d;
}

namespace {

std::string search_label(const model::DepmodConfig& cfg, int idx, int builtin_idx) {
  if (idx < 0) {
    if (builtin_idx < 0) return "no search entry matches; built-in not listed";
    idx = builtin_idx;
  }
  const model::DepmodSearch& s = cfg.search[idx];
  std::string w = where_str(s.where);
  return "'" + s.entry + "'" + (w.empty() ? "" : " (" + w + ")");
}

std::string explain(const Decision& d, const model::DepmodConfig& cfg, const ScannedFile& winner,
                    bool loser_is_new) {
  std::string r = "lost to " + winner.relpath + ": ";
  if (d.rule != Decision::Rule::kSearch) {
    const model::DepmodOverride& o = cfg.overrides[d.override_index];
    r += "override " + o.modname + " " + o.kver + " " + o.subdir;
    std::string w = where_str(o.where);
    if (!w.empty()) r += " (" + w + ")";
    return r;
  }
  int lprio = loser_is_new ? d.new_prio : d.old_prio,
      wprio = loser_is_new ? d.old_prio : d.new_prio;
  int lent = loser_is_new ? d.new_search : d.old_search,
      went = loser_is_new ? d.old_search : d.new_search;
  if (d.equal_prio) {
    r += "equal search priority " + std::to_string(wprio) + " (" +
         search_label(cfg, went, d.builtin_search) + "); ";
    r += loser_is_new ? "the first file found in readdir() order stays"
                      : "the later file found in readdir() order replaces the earlier one "
                        "(depmod's else-if: only the new path's prefix is tested)";
    return r;
  }
  r += "search priority " + std::to_string(wprio) + " (" +
       search_label(cfg, went, d.builtin_search) + ") beats " + std::to_string(lprio) + " (" +
       search_label(cfg, lent, d.builtin_search) + ")";
  return r;
}

/// Is `order` a possible depth-first readdir() order? Candidates under one directory must be
/// contiguous; scan roots (module dir, then externals) come in their fixed order.
bool dfs_consistent(const std::vector<const ScannedFile*>& order,
                    const std::vector<int>& root_rank) {
  const size_t n = order.size();
  for (size_t a = 1; a < n; ++a)
    if (root_rank[a] < root_rank[a - 1]) return false;
  for (size_t a = 0; a < n; ++a) {
    std::string_view p = order[a]->kmod_path;
    for (size_t slash = p.find('/', 1); slash != std::string_view::npos;
         slash = p.find('/', slash + 1)) {
      std::string_view dir = p.substr(0, slash + 1);
      size_t first = n, last = 0, count = 0;
      for (size_t b = 0; b < n; ++b)
        if (shares_dir(order[b]->kmod_path, dir)) {
          first = std::min(first, b);
          last = b;
          ++count;
        }
      if (count && last - first + 1 != count) return false;
    }
  }
  return true;
}

/// Marks each selection whose winner depends on readdir() order (the candidates that could win
/// under another depth-first order) and reports it as a problem.
void mark_ties(const std::vector<ScannedFile>& files, const model::DepmodConfig& cfg,
               const PriorityRules& rules, SelectResult& out) {
  std::unordered_map<int, int> ext_rank;  // external index → scan rank (reverse parse order)
  for (size_t k = cfg.externals.size(), r = 1; k-- > 0; ++r)
    ext_rank[static_cast<int>(k)] = static_cast<int>(r);
  for (Selection& s : out.selections) {
    const size_t n = s.candidates.size();
    if (n < 2) continue;
    std::vector<std::vector<char>> keep(n, std::vector<char>(n, 1));
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b)
        if (a != b)
          keep[a][b] = static_cast<char>(
              rules.compare(files[s.candidates[a]], files[s.candidates[b]]).keep_old);
    std::vector<char> can_win(n, 0);
    if (n <= 7) {
      std::vector<size_t> perm(n);
      std::iota(perm.begin(), perm.end(), 0);
      std::vector<const ScannedFile*> order(n);
      std::vector<int> rank(n);
      do {
        for (size_t k = 0; k < n; ++k) {
          order[k] = &files[s.candidates[perm[k]]];
          rank[k] = order[k]->external < 0 ? 0 : ext_rank[order[k]->external];
        }
        if (!dfs_consistent(order, rank)) continue;
        size_t w = perm[0];
        for (size_t k = 1; k < n; ++k)
          if (!keep[w][perm[k]]) w = perm[k];
        can_win[w] = 1;
      } while (std::next_permutation(perm.begin(), perm.end()));
    } else {
      // Too many orders to enumerate: a pair whose outcome flips with order is a tie.
      size_t actual =
          std::find(s.candidates.begin(), s.candidates.end(), s.winner) - s.candidates.begin();
      can_win[actual] = 1;
      for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b)
          if (a != b && keep[a][b] == keep[b][a]) can_win[a] = can_win[b] = 1;
    }
    for (size_t k = 0; k < n; ++k)
      if (can_win[k]) s.tied.push_back(s.candidates[k]);
    if (s.tied.size() > 1) {
      s.tie = true;
      Problem pr;
      pr.kind = ProblemKind::kTieReaddirOrder;
      pr.subject = s.name;
      pr.where.path = files[s.winner].path;
      pr.message = "the file chosen for module " + s.name +
                   " depends on readdir() order (filesystem-specific); possible winners:";
      for (uint32_t t : s.tied) pr.message += " " + files[t].relpath;
      out.problems.push_back(std::move(pr));
    } else {
      s.tied.clear();
    }
  }
}

/// Problems of the configuration itself: overrides that name no file, do not apply to this
/// release or never decided anything, and externals that do not apply.
void config_problems(const std::vector<ScannedFile>& files, const model::DepmodConfig& cfg,
                     const std::vector<int>& override_decided, SelectResult& out) {
  std::unordered_set<std::string> keys;
  std::unordered_map<std::string, std::vector<uint32_t>> by_norm;
  for (uint32_t f = 0; f < files.size(); ++f) {
    if (files[f].external >= 0) continue;  // externals can never match an override
    if (!files[f].dir.empty()) keys.insert(files[f].dir + "/" + files[f].stem);
    by_norm[files[f].name].push_back(f);
  }
  for (size_t k = 0; k < cfg.overrides.size(); ++k) {
    const model::DepmodOverride& o = cfg.overrides[k];
    Problem pr;
    pr.where = o.where;
    pr.subject = model::normalize_name(o.modname);
    std::string line = "override " + o.modname + " " + o.kver + " " + o.subdir;
    if (!o.kver_matches) {
      pr.kind = ProblemKind::kOverrideKverMismatch;
      pr.message = "'" + line + "' does not apply: kernel pattern does not match the release";
      pr.kmod_message = "depmod: INFO: " + o.where.path + ":" + std::to_string(o.where.line) +
                        ": override kernel did not match " + o.kver;
      out.problems.push_back(std::move(pr));
      continue;
    }
    if (!keys.count(o.subdir + "/" + o.modname)) {
      pr.kind = ProblemKind::kOverrideMatchesNoFile;
      pr.message = "'" + line + "' matches no file: there is no " + o.subdir + "/" + o.modname +
                   ".ko* (the directory must match exactly and the name is compared raw)";
      auto it = by_norm.find(model::normalize_name(o.modname));
      if (it != by_norm.end()) {
        pr.message += "; files for this module are:";
        for (uint32_t f : it->second) pr.message += " " + files[f].relpath;
      }
      out.problems.push_back(std::move(pr));
      continue;
    }
    if (override_decided[k] == 0) {
      pr.kind = ProblemKind::kOverrideNeverDecided;
      pr.message = "'" + line + "' never took effect: ";
      auto it = by_norm.find(model::normalize_name(o.modname));
      size_t n_cand = it == by_norm.end() ? 0 : it->second.size();
      pr.message += n_cand <= 1 ? "the file it names is the only candidate for its name"
                                : "an override parsed later decided every comparison first";
      out.problems.push_back(std::move(pr));
    }
  }
  for (const model::DepmodExternal& e : cfg.externals) {
    if (e.kver_matches) continue;
    Problem pr;
    pr.kind = ProblemKind::kOverrideKverMismatch;
    pr.where = e.where;
    pr.subject = e.dir;
    pr.message =
        "'external " + e.kver + " " + e.dir + "' does not apply: kernel pattern does not match";
    pr.kmod_message = "depmod: INFO: " + e.where.path + ":" + std::to_string(e.where.line) +
                      ": external directory did not match " + e.kver;
    out.problems.push_back(std::move(pr));
  }
}

}  // namespace

SelectResult select_winners(const std::vector<ScannedFile>& files, const model::DepmodConfig& cfg,
                            const std::string& kmod_dirname) {
  SelectResult out;
  PriorityRules rules(cfg, kmod_dirname);
  std::unordered_map<std::string_view, uint32_t> by_name;
  by_name.reserve(files.size() * 2);
  std::vector<int> override_decided(cfg.overrides.size(), 0);

  for (uint32_t f = 0; f < files.size(); ++f) {
    auto [it, fresh] =
        by_name.try_emplace(files[f].name, static_cast<uint32_t>(out.selections.size()));
    if (fresh) {
      Selection s;
      s.name = files[f].name;
      s.winner = f;
      s.candidates.push_back(f);
      out.selections.push_back(std::move(s));
      continue;
    }
    Selection& s = out.selections[it->second];
    s.candidates.push_back(f);
    Decision d = rules.compare(files[s.winner], files[f]);
    if (d.override_index >= 0) ++override_decided[d.override_index];
    Loser l;
    if (d.keep_old) {
      l.file = f;
      l.beaten_by = s.winner;
      l.reason = explain(d, cfg, files[s.winner], /*loser_is_new=*/true);
    } else {
      l.file = s.winner;
      l.beaten_by = f;
      l.reason = explain(d, cfg, files[f], /*loser_is_new=*/false);
      s.winner = f;
    }
    l.decision = std::move(d);
    s.losers.push_back(std::move(l));
  }

  mark_ties(files, cfg, rules, out);
  config_problems(files, cfg, override_decided, out);
  return out;
}

}  // namespace ofsck::resolve
