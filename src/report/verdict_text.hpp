#pragma once
/// The parts of a module verdict that text renderers (the check list, explain) share: what
/// happens behind a failing dependency and a modprobe.d `install` command. Escaped.
#include <string>

#include "check/result.hpp"

namespace ofsck::report {

/// "dependency ib_uverbs fails; on its own: module_layout (ENOEXEC): <kernel line>" (or "…; on
/// its own it loads"); "" when no dependency failed.
[[nodiscard]] std::string dependency_text(const check::ModuleResult& m);

/// "load replaced by install command `CMD` (FILE:LINE)", naming the dependency whose load it
/// replaces when it is not the module's own; "" without one.
[[nodiscard]] std::string install_text(const check::ModuleResult& m);

}  // namespace ofsck::report
