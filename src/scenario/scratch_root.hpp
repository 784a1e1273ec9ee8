#pragma once
/// What every scenario does before it checks a scratch root (whatif's and upgrade's overlay)
/// in place of the inspected one.
#include <string>

#include "check/check_tree.hpp"
#include "util/result.hpp"

namespace ofsck::scenario {

/// The inspected root as an absolute, normalised path without a trailing slash; "" for "/".
/// kNotFound naming `root` when it is not a directory.
[[nodiscard]] Result<std::string> absolute_root(const std::string& root);

/// Fixes the inputs that depend on the running system once, from the inspected root `orig`
/// ("" = /), so that a check of a scratch root (which is never "/") sees the same ones: the
/// kernel command line is /proc/cmdline's for "/", "" otherwise, unless given.
void pin_host_inputs(check::CheckOptions& o, const std::string& orig);

/// `o` for checking `scratch` in place of `orig`: host inputs pinned, and the root's cache
/// entries read through the scratch paths (untouched files are symlinks to the root's, so
/// their stamps match) but never written (scratch paths are new on every run).
[[nodiscard]] check::CheckOptions on_scratch(check::CheckOptions o, const std::string& scratch,
                                             const std::string& orig);

}  // namespace ofsck::scenario
