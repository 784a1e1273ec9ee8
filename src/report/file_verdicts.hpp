#pragma once
/// The verdict line of each FILE given to `ofsck check FILE...`, printed whether it loads or
/// not (a whole-tree report names only what fails).
#include <string>

#include "check/result.hpp"
#include "report/render.hpp"

namespace ofsck::report {

/// One line per given FILE, in the order of the verdicts:
///   "FILE: loads (as NAME)" / "FILE: FAILS (ENOEXEC) as NAME: its dependency X fails" /
///   "FILE: cannot be read: no verdict". Empty when no FILE was given.
std::string render_file_verdicts(const check::CheckResult& r, const TextOptions& o);

}  // namespace ofsck::report
