#include "model/nodeset.hpp"

// The rules below follow ClusterShell 1.9 (lib/ClusterShell/NodeSet.py and RangeSet.py), read
// and rewritten, not translated: which parts of a name are fields (ParsingEngine
// ._scan_string_single), how a set of digit strings folds (RangeSet._sorted and
// _slices_padding without autostep) and how an n-dimensional set merges (RangeSetND
// ._fold_univariate, _fold_multivariate_expand/_merge, _sort).
#include <algorithm>
#include <cstdint>
#include <map>
#include <unordered_map>

#include "model/nodeset_detail.hpp"

namespace ofsck::model::nodeset {
namespace detail {
namespace {

bool is_padded(std::string_view s) { return s.size() > 1 && s[0] == '0'; }

std::string_view strip_zeros(std::string_view s) {
  size_t i = s.find_first_not_of('0');
  return i == std::string_view::npos ? std::string_view("0") : s.substr(i);
}

// int(b) == int(a) + 1 on digit strings of any length (ClusterShell takes up to 1e100).
bool string_successor(std::string_view a, std::string_view b) {
  std::string inc(strip_zeros(a));
  size_t i = inc.size();
  while (i > 0 && inc[i - 1] == '9') inc[--i] = '0';
  if (i == 0) inc.insert(inc.begin(), '1');
  else ++inc[i - 1];
  return inc == strip_zeros(b);
}

// RangeSet._sorted(): shorter digit strings first, then by their digits.
bool rank_less(std::string_view a, std::string_view b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

Axis make_axis(std::vector<std::string_view> cells) {
  std::sort(cells.begin(), cells.end(), rank_less);
  cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
  Axis ax;
  ax.strs.assign(cells.begin(), cells.end());
  ax.value.reserve(cells.size());
  for (std::string_view s : cells) {
    std::string_view v = strip_zeros(s);
    uint64_t n = 0;
    for (char c : v) n = n * 10 + static_cast<uint64_t>(c - '0');
    ax.value.push_back(v.size() <= 18 ? n : Axis::kBig);
  }
  // RangeSetND._sort compares rg[0] and rg[-1], which are Python str: plain string order.
  std::vector<uint32_t> by_str(cells.size());
  for (uint32_t r = 0; r < by_str.size(); ++r) by_str[r] = r;
  std::sort(by_str.begin(), by_str.end(),
            [&](uint32_t a, uint32_t b) { return ax.strs[a] < ax.strs[b]; });
  ax.lex.resize(cells.size());
  for (uint32_t i = 0; i < by_str.size(); ++i) ax.lex[by_str[i]] = i;
  return ax;
}

uint32_t rank_of(const Axis& ax, std::string_view s) {
  auto it =
      std::lower_bound(ax.strs.begin(), ax.strs.end(), s,
                       [](const std::string& a, std::string_view b) { return rank_less(a, b); });
  return static_cast<uint32_t>(it - ax.strs.begin());
}

// Unique points, as rank tuples in field order (n x dims, flat).
std::vector<uint32_t> unique_points(const Group& g, const std::vector<Axis>& axes) {
  size_t dims = g.dims, n = g.cells.size() / dims;
  std::vector<uint32_t> flat(g.cells.size());
  for (size_t i = 0; i < g.cells.size(); ++i) flat[i] = rank_of(axes[i % dims], g.cells[i]);
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  auto row = [&](uint32_t i) { return flat.data() + size_t{i} * dims; };
  auto less = [&](uint32_t a, uint32_t b) {
    return std::lexicographical_compare(row(a), row(a) + dims, row(b), row(b) + dims);
  };
  auto same = [&](uint32_t a, uint32_t b) { return std::equal(row(a), row(a) + dims, row(b)); };
  std::sort(order.begin(), order.end(), less);
  order.erase(std::unique(order.begin(), order.end(), same), order.end());
  std::vector<uint32_t> out;
  out.reserve(order.size() * dims);
  for (uint32_t i : order) out.insert(out.end(), row(i), row(i) + dims);
  return out;
}

// RangeSetND._fold_univariate: when all points agree on every field but one, the set is a
// single vector (a line); the index of that field, or -1 (several vary) / dims (none varies).
size_t varying_field(const std::vector<uint32_t>& pts, size_t dims) {
  size_t found = dims;
  for (size_t d = 0; d < dims; ++d) {
    for (size_t i = d + dims; i < pts.size(); i += dims) {
      if (pts[i] != pts[d]) {
        if (found != dims) return static_cast<size_t>(-1);
        found = d;
        break;
      }
    }
  }
  return found;
}

Vec line_vector(const std::vector<uint32_t>& pts, size_t dims, size_t var) {
  Vec v(dims);
  for (size_t d = 0; d < dims; ++d) {
    if (d != var) {
      v[d] = {pts[d]};
      continue;
    }
    for (size_t i = d; i < pts.size(); i += dims) v[d].push_back(pts[i]);
    std::sort(v[d].begin(), v[d].end());
    v[d].erase(std::unique(v[d].begin(), v[d].end()), v[d].end());
  }
  return v;
}

// Relation of two rank sets, as RangeSetND._fold_multivariate_merge tests it.
enum class Rel { kEqual, kDisjoint, kSubset, kSuperset, kOverlap };

Rel relate(const RangeSet& a, const RangeSet& b) {
  size_t common = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else ++common, ++i, ++j;
  }
  if (common == a.size() && common == b.size()) return Rel::kEqual;
  if (common == 0) return Rel::kDisjoint;
  if (common == a.size()) return Rel::kSubset;
  if (common == b.size()) return Rel::kSuperset;
  return Rel::kOverlap;
}

// Two vectors merge when they differ in at most one field, and there the sets are disjoint
// (union) or one holds the other (the larger); overlapping sets never merge.
bool try_merge(Vec& into, const Vec& other) {
  size_t diff_at = into.size();
  Rel diff_rel = Rel::kEqual;
  for (size_t d = 0; d < into.size(); ++d) {
    Rel r = relate(into[d], other[d]);
    if (r == Rel::kEqual) continue;
    if (r == Rel::kOverlap || diff_at != into.size()) return false;
    diff_at = d;
    diff_rel = r;
  }
  if (diff_rel == Rel::kSubset) {
    into[diff_at] = other[diff_at];
  } else if (diff_rel == Rel::kDisjoint) {
    RangeSet u;
    u.reserve(into[diff_at].size() + other[diff_at].size());
    std::merge(into[diff_at].begin(), into[diff_at].end(), other[diff_at].begin(),
               other[diff_at].end(), std::back_inserter(u));
    into[diff_at] = std::move(u);
  }
  return true;
}

// RangeSetND._sort: more nodes first; then field by field more values first, then by the
// first and the last value compared as strings. Stable, as Python's sort is.
void sort_vectors(const std::vector<Axis>& axes, std::vector<Vec>& vecs) {
  auto count = [](const Vec& v) {
    uint64_t n = 1;
    for (const RangeSet& r : v) n *= r.size();
    return n;
  };
  std::stable_sort(vecs.begin(), vecs.end(), [&](const Vec& a, const Vec& b) {
    uint64_t na = count(a), nb = count(b);
    if (na != nb) return na > nb;
    for (size_t d = 0; d < a.size(); ++d) {
      if (a[d].size() != b[d].size()) return a[d].size() > b[d].size();
      const std::vector<uint32_t>& lex = axes[d].lex;
      if (a[d].front() != b[d].front()) return lex[a[d].front()] < lex[b[d].front()];
      if (a[d].back() != b[d].back()) return lex[a[d].back()] < lex[b[d].back()];
    }
    return false;
  });
}

bool easy_pass(std::vector<Vec>& vecs, std::vector<char>& dead) {
  bool changed = false;
  for (size_t i1 = 0; i1 < vecs.size(); ++i1) {
    if (dead[i1]) continue;
    for (size_t i2 = i1 + 1; i2 < vecs.size() && try_merge(vecs[i1], vecs[i2]); ++i2) {
      changed = true;
      dead[i2] = 1;
      vecs[i2].clear();
    }
    while (i1 + 1 < vecs.size() && dead[i1 + 1]) ++i1;
  }
  return changed;
}

// sig[d]: a hash of the vector without field d. Two vectors merge only when they agree on all
// fields but one, so only vectors sharing some sig[d] need to be tried.
void signatures(const Vec& v, std::vector<uint64_t>& sig) {
  uint64_t total = 0;
  sig.resize(v.size());
  for (size_t d = 0; d < v.size(); ++d) {
    uint64_t h = 0x9e3779b97f4a7c15ULL * (d + 1);
    for (uint32_t x : v[d]) {
      h = (h ^ x) * 0xff51afd7ed558ccdULL;
      h ^= h >> 32;
    }
    sig[d] = h;
    total += h;
  }
  for (uint64_t& h : sig) h = total - h;
}

// The full pass tries every later vector; those sharing no signature cannot merge, so visiting
// only the others, in the same order, gives the same result without the quadratic scan.
bool full_pass(std::vector<Vec>& vecs, std::vector<char>& dead) {
  size_t dims = vecs.empty() ? 0 : vecs[0].size();
  std::vector<std::unordered_map<uint64_t, std::vector<uint32_t>>> index(dims);
  std::vector<uint64_t> sig;
  for (uint32_t i = 0; i < vecs.size(); ++i) {
    signatures(vecs[i], sig);
    for (size_t d = 0; d < dims; ++d) index[d][sig[d]].push_back(i);
  }
  bool changed = false;
  for (size_t i1 = 0; i1 < vecs.size(); ++i1) {
    for (size_t pos = i1; !dead[i1];) {
      signatures(vecs[i1], sig);
      size_t next = SIZE_MAX;
      for (size_t d = 0; d < dims; ++d) {
        auto it = index[d].find(sig[d]);
        if (it == index[d].end()) continue;
        auto j = std::upper_bound(it->second.begin(), it->second.end(), pos);
        while (j != it->second.end() && dead[*j]) ++j;
        if (j != it->second.end()) next = std::min<size_t>(next, *j);
      }
      if (next == SIZE_MAX) break;
      if (try_merge(vecs[i1], vecs[next])) {
        changed = true;
        dead[next] = 1;
        vecs[next].clear();
      }
      pos = next;
    }
  }
  return changed;
}

}  // namespace

bool Axis::successor(uint32_t a, uint32_t b) const {
  if (value[a] != kBig && value[b] != kBig) return value[b] == value[a] + 1;
  return string_successor(strs[a], strs[b]);
}

std::vector<Vec> merge_multivariate(const std::vector<Axis>& axes, const std::vector<uint32_t>& pts,
                                    size_t dims) {
  std::vector<Vec> vecs;
  vecs.reserve(pts.size() / dims);
  for (size_t i = 0; i < pts.size(); i += dims) {
    Vec v(dims);
    for (size_t d = 0; d < dims; ++d) v[d] = {pts[i + d]};
    vecs.push_back(std::move(v));
  }
  // Passes as in _fold_multivariate_merge: sort, then merge each vector with the ones after it,
  // stopping at the first that does not merge (easy pass) or trying all (full pass, once an
  // easy pass changed nothing); repeat until a full pass changes nothing. Merged-away vectors
  // are marked dead instead of erased, which visits the same pairs in the same order.
  bool full = false, changed = true;
  std::vector<char> dead;
  while (changed) {
    std::erase_if(vecs, [&](const Vec& v) { return v.empty(); });
    sort_vectors(axes, vecs);
    dead.assign(vecs.size(), 0);
    changed = full ? full_pass(vecs, dead) : easy_pass(vecs, dead);
    if (!changed && !full) changed = full = true;
  }
  return vecs;
}

Folded fold_group(const Group& g, size_t plain_above) {
  Folded f;
  if (g.dims == 0) {
    f.vecs.emplace_back();
    return f;
  }
  for (size_t d = 0; d < g.dims; ++d) {
    std::vector<std::string_view> cells;
    cells.reserve(g.cells.size() / g.dims);
    for (size_t i = d; i < g.cells.size(); i += g.dims) cells.push_back(g.cells[i]);
    f.axes.push_back(make_axis(std::move(cells)));
  }
  std::vector<uint32_t> pts = unique_points(g, f.axes);
  size_t var = varying_field(pts, g.dims);
  if (var != static_cast<size_t>(-1)) {
    f.vecs.push_back(line_vector(pts, g.dims, var == g.dims ? 0 : var));
  } else if (pts.size() / g.dims > plain_above) {
    f.plain = std::move(pts);
  } else {
    f.vecs = merge_multivariate(f.axes, pts, g.dims);
  }
  return f;
}

void render_rangeset(const Axis& ax, const RangeSet& rs, std::string& out) {
  // RangeSet._slices_padding without autostep: a run continues while the next digit string is
  // the numeric successor and keeps the padding of the run's first one (same length when that
  // one is zero-padded, not zero-padded otherwise). Runs follow the sorted order, so 9,05,10
  // stays three pieces.
  for (size_t i = 0; i < rs.size();) {
    const std::string& first = ax.strs[rs[i]];
    bool padded = is_padded(first);
    size_t j = i;
    while (j + 1 < rs.size()) {
      const std::string& next = ax.strs[rs[j + 1]];
      bool same_pad = padded ? next.size() == first.size() : !is_padded(next);
      if (!same_pad || !ax.successor(rs[j], rs[j + 1])) break;
      ++j;
    }
    if (i > 0) out += ',';
    out += first;
    if (j > i) {
      out += '-';
      out += ax.strs[rs[j]];
    }
    i = j + 1;
  }
}

void render_group(const Group& g, const Folded& f, std::string& out) {
  for (const Vec& v : f.vecs) {
    if (!out.empty()) out += ',';
    out += g.literals[0];
    for (size_t d = 0; d < v.size(); ++d) {
      if (v[d].size() > 1) {
        out += '[';
        render_rangeset(f.axes[d], v[d], out);
        out += ']';
      } else {
        out += f.axes[d].strs[v[d][0]];
      }
      out += g.literals[d + 1];
    }
  }
}

Group& group_for(Groups& groups, const std::vector<std::string_view>& literals) {
  std::string key;
  for (size_t i = 0; i < literals.size(); ++i) {
    if (i > 0) key += "%s";
    for (char c : literals[i]) {
      key += c;
      if (c == '%') key += '%';  // _strip_escape: a literal '%' is "%%" in the pattern
    }
  }
  auto [it, inserted] = groups.try_emplace(std::move(key));
  if (inserted) {
    for (std::string_view l : literals) it->second.literals.emplace_back(l);
    it->second.dims = literals.size() - 1;
  }
  return it->second;
}

}  // namespace detail

std::string fold(std::span<const std::string> names) {
  detail::Groups groups;
  std::vector<std::string_view> literals, fields;
  for (const std::string& name : names) {
    if (name.empty()) continue;
    // (\D*)(\d*) chunks: literal text, then a digit run, to the end of the name.
    literals.clear();
    fields.clear();
    std::string_view s(name);
    size_t i = 0;
    for (;;) {
      size_t start = i;
      while (i < s.size() && !detail::is_digit(s[i])) ++i;
      literals.push_back(s.substr(start, i - start));
      if (i == s.size()) break;
      start = i;
      while (i < s.size() && detail::is_digit(s[i])) ++i;
      fields.push_back(s.substr(start, i - start));
    }
    detail::Group& g = detail::group_for(groups, literals);
    g.cells.insert(g.cells.end(), fields.begin(), fields.end());
  }
  std::string out;
  for (const auto& [key, g] : groups) {
    detail::render_group(g, detail::fold_group(g, SIZE_MAX), out);
  }
  return out;
}

}  // namespace ofsck::model::nodeset
