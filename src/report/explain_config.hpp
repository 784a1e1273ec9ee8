#pragma once
/// The modprobe.d part of `ofsck explain` (explain_config.cc).
#include <nlohmann/json.hpp>
#include <string>

#include "report/explain.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

/// "  options (modprobe passes "..."):" with one line per option, then install/remove,
/// blacklist and softdep/weakdep lines; "" when modprobe.d and the command line say nothing.
std::string config_text(const Explanation::Config& c);
/// The same as the JSON object "config" (docs/json-schema.md, `explain`).
nlohmann::ordered_json config_json(const Explanation::Config& c, const PathRule& rule);

}  // namespace ofsck::report
