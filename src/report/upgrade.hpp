#pragma once
/// Renderers of an `ofsck upgrade` report: one block per module (as-is, if linked, rebuild,
/// reasons, kABI risks), then a summary line; JSON with the same fields plus the findings.
#include <string>

#include "report/render.hpp"
#include "scenario/upgrade.hpp"

namespace ofsck::report {

/// Text: per module "name file [package]" and its verdicts, reasons and kernel messages.
std::string render_upgrade_text(const check::UpgradeReport& r, const TextOptions& o = {});

/// JSON document (field "schema"): inputs, "modules" (per module: name, file, package,
/// verdict_as_is, verdict_if_linked, needs_rebuild, ...), findings, summary.
std::string render_upgrade_json(const check::UpgradeReport& r);

}  // namespace ofsck::report
