// `ofsck fleet SNAPSHOT...|DIR|-`: groups and drift over node snapshots (scenario/fleet.hpp).
#include <chrono>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/version.hpp"
#include "read/snapshot_doc.hpp"
#include "report/escape.hpp"
#include "report/fleet.hpp"
#include "report/prom.hpp"
#include "util/atomic_file.hpp"

namespace ofsck::cli {

namespace {

/// --format prom: the fleet's metrics, timed from `started`.
std::string fleet_prom(const scenario::FleetReport& r, size_t unreadable,
                       std::chrono::steady_clock::time_point started) {
  const auto now = std::chrono::system_clock::now();
  report::PromRun run;
  run.finished = std::chrono::duration<double>(now.time_since_epoch()).count();
  run.duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  run.ofsck_version = version();
  return report::render_fleet_prom(r, unreadable, run);
}

/// The report as --format asks, to stdout or to -o FILE (atomically, for node_exporter's
/// textfile collector). 0, or the exit status of the error it printed.
int write_fleet_report(Args& a, const scenario::FleetReport& r, size_t unreadable,
                       std::chrono::steady_clock::time_point started) {
  CommonOptions& c = a.common;
  if (a.output.empty() && c.format != "prom") {
    print_report(c, r, &report::render_fleet_json, &report::render_fleet_text);
    return kExitOk;
  }
  if (!a.output.empty()) c.color = "never";  // a file is no terminal
  const std::string out = c.format == "prom"   ? fleet_prom(r, unreadable, started)
                          : c.format == "json" ? report::render_fleet_json(r)
                                               : report::render_fleet_text(r, text_options(c));
  if (a.output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);  // prom: labels are kinds, no node text
    return kExitOk;
  }
  if (auto w = write_file_atomically(a.output, out); !w) return report_error(w.error());
  return kExitOk;
}

}  // namespace

/// Unreadable inputs are reported and the others still shown; they decide the exit status
/// (3) over drift (1): a view with a node missing is not a clean answer. With --format prom the
/// metrics are written even when nothing was read, so that a stale file cannot hide that.
int run_fleet(Args& a) {
  const auto started = std::chrono::steady_clock::now();
  read::SnapshotRead in = read::read_snapshots(a.files);
  for (const auto& e : in.errors)
    std::fprintf(stderr, "ofsck: error: %s\n", report::escape(to_string(e)).c_str());
  const bool none = in.docs.empty();
  if (none && in.errors.empty()) std::fprintf(stderr, "ofsck: error: no snapshot was read\n");
  if (none && a.common.format != "prom") return kExitInput;
  scenario::FleetReport r = scenario::build_fleet(std::move(in.docs));
  const size_t unreadable = in.errors.size() + (none && in.errors.empty() ? 1 : 0);
  if (int rc = write_fleet_report(a, r, unreadable, started)) return rc;
  if (unreadable) return kExitInput;
  return scenario::fleet_has_problems(r) ? kExitFindings : kExitOk;
}

void fleet_options(CLI::App* sub, Args& a) {
  sub->add_option("snapshots", a.files,
                  "Snapshot files (`ofsck snapshot -o FILE`), directories of *.json snapshots, "
                  "or - for a stream on stdin (concatenated documents, or clush/pdsh output "
                  "with its 'NODE: ' line prefixes)")
      ->required();
  allow_prom_format(add_format_option(sub, a.common.format),
                    "Output format: text, json, or prom (Prometheus text exposition: nodes, "
                    "groups, outliers, nodes with errors, drift by kind; for node_exporter's "
                    "textfile collector on a management node, with -o DIR/ofsck_fleet.prom)");
  sub->add_option("-o,--output", a.output,
                  "Write the report to FILE instead of standard output, atomically (a temporary "
                  "file in FILE's directory renamed over it): a reader such as node_exporter "
                  "sees the old report or the new one, never a part")
      ->type_name("FILE");
}

}  // namespace ofsck::cli
