#pragma once
/// One depmod.d edit applied to an already prepared node, in memory: the edited file's text is
/// parsed in place of its old entries (the other files' entries are kept as read), the tree is
/// resolved again from the module records the node already holds, and the parts of the node
/// that follow from the resolution (losers, missing firmware) are re-derived. evaluate() then
/// predicts the node as it would be after the edit and `depmod -a`, without a new prepare():
/// what scenario/prove_hints needs per candidate edit.
#include <string>

#include "check/finding.hpp"
#include "check/node.hpp"
#include "util/result.hpp"

namespace ofsck::scenario {

/// What applying edits cost, for the callers' figures and tests.
struct EditStats {
  size_t edits = 0;         ///< edits applied (re-resolutions)
  size_t module_reads = 0;  ///< module files read from disk (a signed loser that now wins)
  size_t config_reads = 0;  ///< config files read (the edited one, once per edit)
};

/// The text of `file` (host path) with line `line` (1-based) replaced by `with`; line 0: `with`
/// added to its end (to a new file when there is none).
[[nodiscard]] Result<std::string> edited_text(const std::string& file, uint32_t line,
                                              const std::string& with);

/// Swaps `node`'s depmod.d configuration, resolution, losers and missing firmware for the
/// ones `edit` leads to while it lives, and restores them when destroyed. The node must have
/// been prepared for evaluation (Node::evaluable, Node::depmod_symvers).
class EditedNode {
 public:
  /// Applies `edit` (its path absolute on the node's root); `threads` as EvalOptions::threads.
  [[nodiscard]] static Result<std::unique_ptr<EditedNode>> apply(check::Node& node,
                                                                 const check::ConfigEdit& edit,
                                                                 unsigned threads,
                                                                 EditStats& stats);
  ~EditedNode();
  EditedNode(const EditedNode&) = delete;
  EditedNode& operator=(const EditedNode&) = delete;

 private:
  explicit EditedNode(check::Node& node) : node_(node) {}
  void swap_in(check::Node& other);

  check::Node& node_;
  check::Node saved_;  ///< the swapped-out fields of node_
};

}  // namespace ofsck::scenario
