// The fleet view: groups by stack digest, drift item by item. Drift is computed from every
// node's own rows, not from one node per group: the digest decides the grouping, but a drift
// claim never rests on trusting that two documents with one digest carry the same rows.
#include "scenario/fleet.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "model/nodeset.hpp"

namespace ofsck::scenario {

namespace {

using read::SnapshotDoc;

/// What drifts, in report order: rank (kernel, kmod, package, per module), the module, the
/// kind within a module, and the subject.
struct ItemKey {
  int rank = 0;
  std::string module;
  int kind = 0;
  std::string subject;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const ItemKey&) const = default;
};

/// Indexes kDriftKinds (fleet.hpp), in its order.
enum Kind { kKernel, kKmod, kPackage, kModule, kOption, kFinding, kRunning };

struct Acc {
  std::vector<uint32_t> nodes;
  std::set<std::string> sources;
};
using Values = std::map<std::string, Acc>;  // value -> nodes that have it
using Items = std::map<ItemKey, Values>;

ItemKey key(Kind k, std::string module = {}, std::string subject = {}) {
  int rank = k == kKernel ? 0 : k == kKmod ? 1 : k == kPackage ? 2 : 3;
  return ItemKey{rank, std::move(module), k, std::move(subject)};
}

void add(Items& items, ItemKey k, std::string value, uint32_t node, const std::string& source) {
  Acc& a = items[std::move(k)][std::move(value)];
  a.nodes.push_back(node);
  if (!source.empty()) a.sources.insert(source);
}

std::string short_digest(const std::string& d) { return d.empty() ? "(none)" : d; }

/// One node's items: every value it has for every item.
void collect(const SnapshotDoc& d, uint32_t n, Items& items) {
  add(items, key(kKernel), d.kernel, n, {});
  add(items, key(kKmod), d.kmod, n, {});
  for (const auto& p : d.packages)
    add(items, key(kPackage, {}, p.name),
        (p.version.empty() ? "(no version)" : p.version) + " digest " + short_digest(p.digest), n,
        {});
  for (const auto& m : d.module_rows) {
    std::string v = m.path + " sha256 " + m.sha256;
    v += m.package.empty() ? " (no package)" : " package " + m.package + " " + m.version;
    if (!m.why.empty()) v += " (" + m.why + ")";
    add(items, key(kModule, m.name), std::move(v), n, {});
  }
  // The kernel applies a module's parameters in order: the last assignment wins.
  std::map<std::pair<std::string_view, std::string_view>, const read::SnapshotOption*> last;
  for (const auto& o : d.options) last[{o.module, o.param}] = &o;
  for (const auto& [mp, o] : last)
    add(items, key(kOption, o->module, o->param),
        o->has_value ? o->param + "=" + o->value : o->param, n, o->source);
  std::map<std::string_view, std::vector<std::string>> by_subject;
  for (const auto& f : d.findings) by_subject[f.subject].push_back(f.rule + " " + f.severity);
  for (auto& [subject, list] : by_subject) {
    std::sort(list.begin(), list.end());
    std::string v;
    for (const auto& s : list) v += (v.empty() ? "" : ", ") + s;
    add(items, key(kFinding, std::string(subject)), std::move(v), n, {});
  }
  for (const auto& r : d.running_drift)
    add(items, key(kRunning, r.module, r.param),
        "running " + r.running + ", configured " + r.configured, n, {});
}

std::string fold_of(const std::vector<uint32_t>& idx, const std::vector<SnapshotDoc>& docs) {
  std::vector<std::string> names;
  names.reserve(idx.size());
  for (uint32_t i : idx) names.push_back(docs[i].node);
  return model::nodeset::fold(names);
}

template <class T>
void sort_by_count(std::vector<T>& v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) {
    return a.count != b.count ? a.count > b.count : a.nodes < b.nodes;
  });
}

/// The drift of one item, or nothing when every node has the same value (running drift is
/// drift on any node).
std::optional<Drift> drift_of(const ItemKey& k, Values& values,
                              const std::vector<SnapshotDoc>& docs) {
  std::vector<char> has(docs.size(), 0);
  size_t with = 0;
  for (const auto& [v, acc] : values)
    for (uint32_t i : acc.nodes) has[i] = 1, ++with;
  bool absent_somewhere = with < docs.size();
  if (k.kind != kRunning && values.size() + (absent_somewhere ? 1 : 0) < 2) return std::nullopt;
  Drift d{kDriftKinds[k.kind], k.module, k.subject, {}};
  for (auto& [v, acc] : values)
    d.variants.push_back(DriftVariant{
        v, fold_of(acc.nodes, docs), acc.nodes.size(), {acc.sources.begin(), acc.sources.end()}});
  if (absent_somewhere) {
    std::vector<uint32_t> rest;
    for (uint32_t i = 0; i < docs.size(); ++i)
      if (!has[i]) rest.push_back(i);
    d.variants.push_back(DriftVariant{std::nullopt, fold_of(rest, docs), rest.size(), {}});
  }
  sort_by_count(d.variants);
  return d;
}

/// Keeps one snapshot per node: the newest ("taken" is ISO 8601 UTC, so text order is time
/// order), the later input on a tie.
std::vector<SnapshotDoc> dedupe(std::vector<SnapshotDoc> docs, std::vector<std::string>& notes) {
  std::unordered_map<std::string, size_t> at;
  std::vector<SnapshotDoc> kept;
  kept.reserve(docs.size());
  for (auto& d : docs) {
    auto [it, fresh] = at.try_emplace(d.node, kept.size());
    if (fresh) {
      kept.push_back(std::move(d));
      continue;
    }
    SnapshotDoc& old = kept[it->second];
    bool newer = d.taken >= old.taken;
    notes.push_back("node " + d.node +
                    " has several snapshots: " + (newer ? d.origin : old.origin) + " is used, " +
                    (newer ? old.origin : d.origin) + " is not (the newest is kept)");
    if (newer) old = std::move(d);
  }
  return kept;
}

std::vector<FleetGroup> groups_of(const std::vector<SnapshotDoc>& docs) {
  std::map<std::string_view, std::vector<uint32_t>> by_stack;
  for (uint32_t i = 0; i < docs.size(); ++i) by_stack[docs[i].stack].push_back(i);
  std::vector<FleetGroup> groups;
  for (const auto& [stack, idx] : by_stack) {
    const SnapshotDoc& d = docs[idx.front()];
    groups.push_back(FleetGroup{fold_of(idx, docs), idx.size(), d.stack, d.kernel, d.kmod,
                                d.verdict, d.first, d.failing, d.errors, d.warnings});
  }
  sort_by_count(groups);
  return groups;
}

bool has_errors(const SnapshotDoc& d) {
  if (d.errors > 0) return true;
  return std::any_of(d.findings.begin(), d.findings.end(),
                     [](const read::SnapshotFinding& f) { return f.severity == "error"; });
}

}  // namespace

FleetReport build_fleet(std::vector<read::SnapshotDoc> all) {
  FleetReport r;
  std::vector<SnapshotDoc> docs = dedupe(std::move(all), r.notes);
  r.nodes = docs.size();
  r.groups = groups_of(docs);
  Items items;
  for (uint32_t i = 0; i < docs.size(); ++i) {
    collect(docs[i], i, items);
    if (has_errors(docs[i])) ++r.error_nodes;
  }
  for (auto& [k, values] : items)
    if (auto d = drift_of(k, values, docs)) r.drift.push_back(std::move(*d));
  return r;
}

}  // namespace ofsck::scenario
