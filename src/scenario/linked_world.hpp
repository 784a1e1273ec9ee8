#pragma once
/// upgrade's hypothetical target world (scenario/upgrade.cc): the target kernel's modules plus
/// the candidates linked into its weak-updates/, depmod's provider of each symbol there, and
/// modprobe's insertion order. Internal to src/scenario/; the core's Boot is to replace it.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "check/check_tree.hpp"
#include "check/load_sim.hpp"

namespace ofsck::check::linked {

/// A module in the hypothetical target world: a target winner or a linked candidate.
struct Node {
  const model::ModuleFile* file = nullptr;
  const ExportIndex* exports = nullptr;
  std::string name;
  int to_index = -1;    ///< Resolution::modules index on TO
  int candidate = -1;   ///< index into the candidate list
};

struct Candidate {
  uint32_t from_file = 0;
  const model::ModuleFile* file = nullptr;
  std::unique_ptr<ExportIndex> exports;
  std::string name;  ///< kernel module name (normalised resolution name)
  bool link_wins = false;
};

/// The world after linking every candidate into TO's weak-updates/: symbol → provider.
class LinkedWorld {
 public:
  LinkedWorld(const Prepared& to, std::vector<Candidate>& cands) : to_(to), cands_(cands) {
    const auto& mods = to.resolution.modules;
    to_exports_.resize(mods.size());
    for (size_t c = 0; c < cands.size(); ++c) {
      if (!cands[c].link_wins) continue;
      replaced_.insert(cands[c].name);
      for (const auto& e : cands[c].file->exports) by_symbol_.emplace(e.name, static_cast<int>(c));
    }
  }

  Node candidate_node(int c) const {
    return {cands_[static_cast<size_t>(c)].file, cands_[static_cast<size_t>(c)].exports.get(),
            kernel_module_name(*cands_[static_cast<size_t>(c)].file), -1, c};
  }

  /// depmod's provider of `sym` in the linked world; nullopt = vmlinux or nobody.
  std::optional<Node> provider(const std::string& sym) {
    if (to_.kernel.vmlinux.count(sym)) return std::nullopt;
    auto c = by_symbol_.find(sym);
    if (c != by_symbol_.end()) return candidate_node(c->second);
    const auto& st = to_.resolution.symbols.symbols;
    auto it = st.find(sym);
    if (it == st.end() || it->second.source != resolve::Symbol::Source::kModule) return std::nullopt;
    int o = it->second.owner;
    const auto& m = to_.resolution.modules[static_cast<size_t>(o)];
    if (!m.module || replaced_.count(m.name)) return std::nullopt;
    auto& ex = to_exports_[static_cast<size_t>(o)];
    if (!ex) ex = std::make_unique<ExportIndex>(*m.module);
    return Node{&*m.module, ex.get(), kernel_module_name(*m.module), o, -1};
  }

  /// modprobe's insertion order for `root`: dependencies first (depth-first post-order).
  std::vector<Node> chain(const Node& root) {
    std::vector<Node> out;
    std::set<std::string> seen;
    visit(root, seen, out);
    return out;
  }

  /// The provider's CRC for `sym` in the linked world: {provider name, crc}; name "" = nobody.
  std::pair<std::string, std::optional<uint32_t>> provider_crc(const std::string& sym) {
    auto k = to_.kernel.vmlinux.find(sym);
    if (k != to_.kernel.vmlinux.end()) return {"vmlinux", k->second.crc};
    auto n = provider(sym);
    if (!n) return {"", std::nullopt};
    auto e = n->exports->by_name.find(sym);
    return {n->name, e == n->exports->by_name.end() ? std::nullopt : e->second->crc};
  }

 private:
  void visit(const Node& n, std::set<std::string>& seen, std::vector<Node>& out) {
    if (!seen.insert(n.name).second) return;
    for (const auto& imp : n.file->imports) {
      if (!imp.in_symtab || imp.weak) continue;
      auto p = provider(imp.name);
      if (p && p->name != n.name) visit(*p, seen, out);
    }
    out.push_back(n);
  }

  const Prepared& to_;
  std::vector<Candidate>& cands_;
  std::unordered_map<std::string, int> by_symbol_;
  std::unordered_set<std::string> replaced_;
  std::vector<std::unique_ptr<ExportIndex>> to_exports_;
};

}  // namespace ofsck::check::linked
