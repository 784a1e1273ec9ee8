#pragma once
/// Renderers of an `ofsck image` report: the inventory, then the findings as `check` prints them.
#include <string>

#include "report/render.hpp"
#include "scenario/image.hpp"

namespace ofsck::report {

/// Inventory (parts, kernel; modules with their disk status, firmware and configs listed with
/// --list, else counted; need set), then render_text() of the findings and verdicts.
std::string render_image_text(const check::ImageReport& r, const TextOptions& o = {});

/// render_json() of the result with an "image" object added (schema docs/json-schema.md).
std::string render_image_json(const check::ImageReport& r);

}  // namespace ofsck::report
