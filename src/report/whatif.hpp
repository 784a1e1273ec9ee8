#pragma once
/// Renderers of an `ofsck whatif` report: the findings a change introduces and fixes, printed
/// as `check` prints findings, and the modules whose verdict changes.
#include <string>

#include "report/render.hpp"
#include "scenario/whatif.hpp"

namespace ofsck::report {

/// Per kernel: "introduced:" and "fixed:" sections (render_text() of each finding list),
/// "verdict changes:", then a one-line summary.
std::string render_whatif_text(const check::WhatifReport& r, const TextOptions& o = {});

/// {"schema":1,"tool":"ofsck","command":"whatif","root",...,"introduced":[finding],
/// "fixed":[finding],"verdict_changes":[{kernel,name,before:{loads,errno,file},after:{…}}],
/// "kernels":[…]}; findings as in render_json() plus a "kernel" field.
std::string render_whatif_json(const check::WhatifReport& r);

}  // namespace ofsck::report
