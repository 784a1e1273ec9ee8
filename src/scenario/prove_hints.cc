// prove_hints() (scenario/prove_hints.hpp): each candidate edit applied to the prepared node in
// memory, the node evaluated again, the findings diffed against the original evaluation.
#include "scenario/prove_hints.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "check/rules.hpp"

namespace ofsck::scenario {

namespace {

/// What applying one edit did.
struct Proof {
  bool fixes = false;     ///< no finding of the same rule and subject remains
  std::string new_error;  ///< the first error it leads to ("RULE: message"), empty = none
  std::string unchecked;  ///< why the edit could not be checked (then it is never proposed)
};

std::string key_of(const check::Finding& f) {
  return f.rule + '\x1f' + f.subject + '\x1f' + f.message;
}

/// The findings of the node evaluated with `e` applied (scenario/edited_node).
Result<std::vector<check::Finding>> check_edited(check::Node& node, const check::EvalOptions& eo,
                                                 const check::ConfigEdit& e, EditStats& stats) {
  auto edited = EditedNode::apply(node, e, eo.threads, stats);
  if (!edited) return tl::unexpected(edited.error());
  check::CheckResult after = check::evaluate(node, eo);
  return std::move(after.findings);
}

bool same_place(const check::Finding& a, const check::Finding& b) {
  if (a.rule != b.rule || a.subject != b.subject) return false;
  if (a.where.empty() || b.where.empty()) return a.where.empty() == b.where.empty();
  return a.where[0].path == b.where[0].path && a.where[0].line == b.where[0].line;
}

/// Whether `after` (the findings with an edit applied) still has `f`, and its first error that
/// is new or about f's subject (an edit that makes a failing file win fixes nothing).
Proof judge(const check::Finding& f, const std::set<std::string>& before,
            const std::vector<check::Finding>& after) {
  Proof p{true, {}, {}};
  for (const auto& a : after) {
    if (same_place(a, f)) p.fixes = false;
    // The edit asks for depmod to run: the index it leaves stale says nothing about it.
    if (a.severity != check::Severity::kError || a.rule == check::kStaleIndex) continue;
    if (p.new_error.empty() && (!before.count(key_of(a)) || a.subject == f.subject))
      p.new_error = fmt::format("{}: {}", a.rule, a.message);
  }
  return p;
}

/// The hint of `f` from the proofs of its edits.
std::string hint_of(const check::Finding& f, const std::vector<Proof>& proofs,
                    const std::string& kver) {
  std::vector<std::string> why;
  for (size_t i = 0; i < proofs.size(); ++i) {
    const check::ConfigEdit& e = f.edits[i];
    if (proofs[i].fixes && proofs[i].new_error.empty()) {
      std::string change = e.where.line
                               ? fmt::format("replace line {} with `{}`", e.where.line, e.line)
                               : fmt::format("add `{}` to {}", e.line, e.where.path);
      std::string out = fmt::format("{}, then run depmod -a {} (checked on this root with the edit "
                                    "applied: it removes the problem and adds no error)",
                                    change, kver);
      return f.hint.empty() ? out : out + "; or " + f.hint;
    }
    if (!proofs[i].unchecked.empty()) {
      why.push_back(fmt::format("{} could not be checked ({})", e.label, proofs[i].unchecked));
      continue;
    }
    why.push_back(proofs[i].fixes ? fmt::format("{} leads to {}", e.label, proofs[i].new_error)
                                  : fmt::format("{} does not remove it", e.label));
  }
  std::string out = "no single-line change fixes it";
  for (size_t i = 0; i < why.size(); ++i) out += (i ? "; " : ": ") + why[i];
  return f.hint.empty() ? out : f.hint + " (" + out + ")";
}

}  // namespace

bool any_edits(const std::vector<check::Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const check::Finding& f) { return !f.edits.empty(); });
}

EditStats prove_hints(check::Node& node, const check::EvalOptions& eo,
                      std::vector<check::Finding>& findings) {
  EditStats stats;
  if (!any_edits(findings)) return stats;
  std::set<std::string> before;
  for (const auto& b : findings) before.insert(key_of(b));
  const std::string& kver = node.kernel.release;
  // One evaluation per distinct edit; an edit that cannot be checked is never proposed.
  std::map<std::string, Result<std::vector<check::Finding>>> checked;
  for (check::Finding& f : findings) {
    if (f.edits.empty()) continue;
    std::vector<Proof> proofs;
    for (const check::ConfigEdit& e : f.edits) {
      const std::string key = e.where.path + ':' + std::to_string(e.where.line) + ':' + e.line;
      auto it = checked.find(key);
      if (it == checked.end()) it = checked.emplace(key, check_edited(node, eo, e, stats)).first;
      proofs.push_back(it->second ? judge(f, before, *it->second)
                                  : Proof{false, "", it->second.error().message});
    }
    f.hint = hint_of(f, proofs, kver);
    f.edits.clear();
  }
  return stats;
}

}  // namespace ofsck::scenario
