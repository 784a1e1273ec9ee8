#pragma once
/// Renderers of the fleet view (scenario/fleet.hpp). Strings from snapshots are the escaped
/// text their writer produced; they are unescaped and escaped again on output, so that a
/// well-formed snapshot round-trips byte for byte and a hostile one still cannot drive a
/// terminal or break the JSON.
#include <string>

#include "report/render.hpp"
#include "scenario/fleet.hpp"

namespace ofsck::report {

/// `ofsck fleet --format json` (docs/json-schema.md, "ofsck fleet"): top-level "nodes",
/// "groups", "drift", "error_nodes", "notes".
std::string render_fleet_json(const scenario::FleetReport& r);

/// One summary line, one line per group (largest first), then per drift item a header line
/// and one indented line per variant; duplicate-node notes last.
std::string render_fleet_text(const scenario::FleetReport& r, const TextOptions& o = {});

}  // namespace ofsck::report
