#pragma once
/// Steps of build_snapshot() (snapshot.cc) kept in their own units.
#include "scenario/snapshot.hpp"

namespace ofsck::check {

/// Fills s.packages (per-package digests of verified module files) and s.modules (the winners
/// no package digest covers) from the winning files' contents (snapshot_files.cc).
void add_module_files(const Node& node, const CheckResult& result, const SnapshotInputs& in,
                      Snapshot& s);

}  // namespace ofsck::check
