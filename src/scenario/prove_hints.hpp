#pragma once
/// Hints that propose a configuration change are proven before they are printed. check/ names
/// the candidate one-line edits of a finding (check::Finding::edits); prove_hints() applies each
/// to the already prepared node in memory (scenario/edited_node: the edited depmod.d file
/// re-parsed, the tree resolved again from the module records read once), evaluates it again
/// and keeps, as the hint, the first edit that removes the finding without introducing an
/// error. When none does, the hint says that no single-line change fixes it, and why. Nothing
/// on the inspected system changes, and no module file is read again (but a signed file that
/// now wins and was read without its content digest).
#include <string>
#include <vector>

#include "check/check_tree.hpp"
#include "check/result.hpp"
#include "scenario/edited_node.hpp"

namespace ofsck::scenario {

/// Whether some finding carries edits to prove.
[[nodiscard]] bool any_edits(const std::vector<check::Finding>& findings);

/// Rewrites the hints of `findings` that carry edits (and clears the edits). `node` is the
/// prepared node `findings` were evaluated from with `eo` (paths as it names them); it is
/// edited in place for each proof and restored. Each distinct edit costs one resolution and
/// one evaluate(); an edit that cannot be checked is not proposed (the hint says why).
EditStats prove_hints(check::Node& node, const check::EvalOptions& eo,
                      std::vector<check::Finding>& findings);

}  // namespace ofsck::scenario
