#pragma once
/// One parsed snapshot document (JSON) into a SnapshotDoc: the fields of format 1, checked for
/// type, with unknown fields ignored. Internal to read/snapshot_doc.cc.
#include <string>

#include <nlohmann/json.hpp>

#include "read/snapshot_doc.hpp"

namespace ofsck::read::detail {

/// Fills `doc` from `j`. Returns "" or the first problem, naming the field by its jq path
/// ("field .options[3].param: expected a string, found number").
[[nodiscard]] std::string snapshot_from_json(const nlohmann::json& j, SnapshotDoc& doc);

}  // namespace ofsck::read::detail
