#pragma once
/// The snapshot document (docs/json-schema.md, "Snapshot document", format 1) and its one-line
/// summary. Strings from the inspected system go through escape() (json_dump.hpp).
#include <string>

#include <nlohmann/json.hpp>

#include "scenario/snapshot.hpp"

namespace ofsck::report {

inline constexpr int kSnapshotFormat = 1;

/// sha256 (64 hex) of the canonical form of the stack: kernel, kmod, summary, findings,
/// packages, modules and options (never node, taken, live, ofsck, loaded, running_drift), as
/// escaped JSON with sorted arrays, so equal stacks give equal digests on any node at any time.
std::string stack_digest(const check::Snapshot& s);

/// The whole document, indented, with a final newline.
std::string render_snapshot_json(const check::Snapshot& s);

/// "ok kernel=K stack=<12 hex> failing=0 errors=0", or "FAIL … first=MOD:RULE"; no newline.
std::string snapshot_summary_line(const check::Snapshot& s);

/// The summary line's fields as one JSON object (the Ansible fact), with a final newline.
std::string render_snapshot_summary_json(const check::Snapshot& s);

}  // namespace ofsck::report
