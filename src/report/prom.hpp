#pragma once
/// `ofsck check --format prom`: the verdict as Prometheus text exposition (format 0.0.4) for
/// node_exporter's textfile collector (README, "Prometheus"). Conventions of
/// prometheus.io/docs/practices/naming: every name starts with ofsck_, values in base units
/// (seconds), labels such as the kernel release on an _info gauge, no host label (the scrape
/// adds `instance`) and no label per symbol or file (bounded series: one per module state, one
/// per rule of the catalogue).
#include <optional>
#include <string>

#include "check/result.hpp"
#include "scenario/fleet.hpp"

namespace ofsck::report {

/// What the check itself does not know: when it ended and how long it took.
struct PromRun {
  double finished = 0;  ///< seconds since the epoch
  double duration = 0;  ///< seconds
  std::string ofsck_version;
  /// Live root only (check): how many parameters of loaded modules run with another value
  /// than the one configured now (scenario/snapshot.hpp running_drift()); nullopt when the
  /// root is not the running system or /proc/modules could not be read: no series then.
  std::optional<size_t> running_param_drift;
};

/// The metrics of `r` (after suppression), every family with # HELP and # TYPE:
///   ofsck_check_info{kernel,root,version} 1
///   ofsck_check_ok                        1 when no finding is an error (exit status 0)
///   ofsck_modules{state}                  loads | fails | fails_dependency | unreadable
///   ofsck_findings{rule,severity}         every rule of the catalogue, 0 included
///   ofsck_findings_suppressed{by}         ignore | baseline
///   ofsck_running_param_drift             live root only: running values that differ from the
///                                         configured ones (a reboot or reload changes them)
///   ofsck_last_check_timestamp_seconds, ofsck_check_duration_seconds
/// The drift gauge has no module label on purpose: which modules are loaded and configured is
/// the site's own, unbounded set, and a series per module would appear and vanish as modules
/// load; `ofsck snapshot` (running_drift) names them.
std::string render_prom(const check::CheckResult& r, const PromRun& run);

/// `ofsck fleet --format prom`, for a management node that runs fleet from cron into
/// node_exporter's textfile directory. Every name starts with ofsck_fleet_, so that the file
/// can sit beside the node's own ofsck.prom. No node names or modules as labels: the only
/// label is the drift kind, every kind declared (0 included).
///   ofsck_fleet_ok                  1 when fleet exits 0: every input read, no node with an
///                                   error, no drift
///   ofsck_fleet_nodes, ofsck_fleet_groups, ofsck_fleet_outlier_nodes (outside the largest
///   group), ofsck_fleet_error_nodes, ofsck_fleet_unreadable_inputs (inputs not read),
///   ofsck_fleet_drift{kind}         drift items by kind (scenario::kDriftKinds)
///   ofsck_fleet_last_run_timestamp_seconds, ofsck_fleet_duration_seconds
std::string render_fleet_prom(const scenario::FleetReport& r, size_t unreadable_inputs,
                              const PromRun& run);

/// `s` as a label value: escape() (printable, valid UTF-8), then `\` and `"` escaped as the
/// exposition format wants (escape() leaves no newline).
std::string prom_label(std::string_view s);

}  // namespace ofsck::report
