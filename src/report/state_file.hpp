#pragma once
/// The state file `ofsck check --state-file` leaves for monitors that must not scan (NHC's
/// check_ofsck, packaging/nhc/ofsck.nhc): the verdict of the last check of one kernel, in lines
/// that bash reads with `read -r key value` alone. Format 1 (README, "The state file"):
///   ofsck_state 1            format version; readers refuse another
///   kernel 6.1.0-47-amd64    the checked kernel release
///   root /                   the checked root
///   written 1765119600       when the check ended (seconds since the epoch, UTC)
///   verdict ok|FAIL          FAIL when some finding is an error (exit status 1)
///   modules N / failing N / errors N / warnings N
///   first hfi1               the first failing module (by name), else the subject of the first
///                            error finding; empty when the verdict is ok
///   rule OFS203 / reason …   its first error finding's rule and message
///   warning_subject / warning_rule / warning_reason   the same for the first warning
/// Every value is one line through escape(): no newline, control or invalid UTF-8 byte; reasons
/// are cut at kStateReasonMax bytes. Unknown keys are for later formats: readers skip them.
#include <cstdint>
#include <string>

#include "check/result.hpp"

namespace ofsck::report {

inline constexpr int kStateFormat = 1;
inline constexpr size_t kStateReasonMax = 200;

/// The state file of `r` (after suppression: accepted findings do not fail a node), written at
/// `written` (seconds since the epoch).
std::string render_state(const check::CheckResult& r, int64_t written);

}  // namespace ofsck::report
