#pragma once
/// The fleet view (`ofsck fleet`): many node snapshots (read/snapshot_doc.hpp) folded into
/// groups of nodes with the same stack digest, and the drift between nodes, per module. Plain
/// structs; node sets are folded as ClusterShell folds them (model/nodeset.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "read/snapshot_doc.hpp"

namespace ofsck::scenario {

/// Nodes whose snapshots carry the same stack digest.
struct FleetGroup {
  std::string nodes;  ///< folded node set
  size_t count = 0;
  std::string digest, kernel, kmod, verdict, first;  ///< from the group's first node
  uint64_t failing = 0, errors = 0, warnings = 0;    ///< summary of the group's first node
};

/// One value of a drifting item and the nodes that have it.
struct DriftVariant {
  std::optional<std::string> value;  ///< nullopt: the item is absent on these nodes
  std::string nodes;                 ///< folded node set
  size_t count = 0;
  std::vector<std::string> sources;  ///< where the value comes from (options: file:line), sorted
};

/// Every Drift::kind, in the order the report lists them (the Prometheus metrics declare each,
/// 0 included).
inline constexpr const char* kDriftKinds[] = {"kernel", "kmod",    "package", "module",
                                              "option", "finding", "running"};

/// An item that is not the same on every node, with each value it takes.
struct Drift {
  /// "kernel", "kmod", "package" (version or module files of a package), "module" (winning
  /// file, provider or version of a module outside its package), "option" (an effective
  /// option's value), "finding" (a module's findings), "running" (a live module running with
  /// another value than configured: drift even when every node agrees).
  std::string kind;
  std::string module;   ///< "" for kernel, kmod and package
  std::string subject;  ///< the parameter (option, running) or the package name (package)
  std::vector<DriftVariant> variants;  ///< by count (most nodes first), then node set
};

struct FleetReport {
  size_t nodes = 0;
  std::vector<FleetGroup> groups;  ///< the largest group first, then by count, then node set
  std::vector<Drift> drift;        ///< kernel, kmod, packages, then by module
  size_t error_nodes = 0;          ///< nodes with error-level findings
  /// Duplicate nodes: a node with several snapshots keeps the newest ("taken"; the later
  /// input on a tie), and each duplicate is named here.
  std::vector<std::string> notes;
};

/// Groups and drift of `docs` (any order; the result does not depend on it except for which
/// of two equally recent snapshots of one node is kept: the later one).
[[nodiscard]] FleetReport build_fleet(std::vector<read::SnapshotDoc> docs);

/// True when the fleet has problems: a node with error-level findings, or any drift.
[[nodiscard]] inline bool fleet_has_problems(const FleetReport& r) {
  return r.error_nodes > 0 || !r.drift.empty();
}

}  // namespace ofsck::scenario
