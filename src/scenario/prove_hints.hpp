#pragma once
/// Hints that propose a configuration change are proven before they are printed. check/ names
/// the candidate one-line edits of a finding (check::Finding::edits); prove_hints() applies each
/// to a private overlay of the root (scenario/overlay, as `whatif` does), checks the kernel
/// again and keeps, as the hint, the first edit that removes the finding without introducing an
/// error. When none does, the hint says that no single-line change fixes it, and why. Nothing on
/// the inspected system changes.
#include <string>

#include "check/result.hpp"
#include "scenario/scratch_root.hpp"
#include "util/result.hpp"

namespace ofsck::scenario {

/// Rewrites the hints of `r`'s findings that carry edits (and clears the edits). `in` are the
/// inputs `r` was checked with (its root as given); `tmp_dir` is the overlay's parent (empty:
/// ScratchDir's default). Each distinct edit costs one check of the kernel. An edit that cannot
/// be checked (unreadable file, no scratch space) is not proposed; the hint says why.
void prove_hints(const NodeInputs& in, check::CheckResult& r, const std::string& tmp_dir = "");

}  // namespace ofsck::scenario
