#pragma once
/// `ofsck check --format prom`: the verdict as Prometheus text exposition (format 0.0.4) for
/// node_exporter's textfile collector (README, "Prometheus"). Conventions of
/// prometheus.io/docs/practices/naming: every name starts with ofsck_, values in base units
/// (seconds), labels such as the kernel release on an _info gauge, no host label (the scrape
/// adds `instance`) and no label per symbol or file (bounded series: one per module state, one
/// per rule of the catalogue).
#include <string>

#include "check/result.hpp"

namespace ofsck::report {

/// What the check itself does not know: when it ended and how long it took.
struct PromRun {
  double finished = 0;  ///< seconds since the epoch
  double duration = 0;  ///< seconds
  std::string ofsck_version;
};

/// The metrics of `r` (after suppression), every family with # HELP and # TYPE:
///   ofsck_check_info{kernel,root,version} 1
///   ofsck_check_ok                        1 when no finding is an error (exit status 0)
///   ofsck_modules{state}                  loads | fails | fails_dependency | unreadable
///   ofsck_findings{rule,severity}         every rule of the catalogue, 0 included
///   ofsck_findings_suppressed{by}         ignore | baseline
///   ofsck_last_check_timestamp_seconds, ofsck_check_duration_seconds
std::string render_prom(const check::CheckResult& r, const PromRun& run);

/// `s` as a label value: escape() (printable, valid UTF-8), then `\` and `"` escaped as the
/// exposition format wants (escape() leaves no newline).
std::string prom_label(std::string_view s);

}  // namespace ofsck::report
