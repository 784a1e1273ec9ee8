// `ofsck fleet SNAPSHOT...|DIR|-`: groups and drift over node snapshots (scenario/fleet.hpp).
#include <cstdio>

#include "cli/commands.hpp"
#include "read/snapshot_doc.hpp"
#include "report/escape.hpp"
#include "report/fleet.hpp"

namespace ofsck::cli {

/// Unreadable inputs are reported and the others still shown; they decide the exit status
/// (3) over drift (1): a view with a node missing is not a clean answer.
int run_fleet(Args& a) {
  read::SnapshotRead in = read::read_snapshots(a.files);
  for (const auto& e : in.errors)
    std::fprintf(stderr, "ofsck: error: %s\n", report::escape(to_string(e)).c_str());
  if (in.docs.empty()) {
    if (in.errors.empty()) std::fprintf(stderr, "ofsck: error: no snapshot was read\n");
    return kExitInput;
  }
  scenario::FleetReport r = scenario::build_fleet(std::move(in.docs));
  print_report(a.common, r, &report::render_fleet_json, &report::render_fleet_text);
  if (!in.errors.empty()) return kExitInput;
  return scenario::fleet_has_problems(r) ? kExitFindings : kExitOk;
}

void fleet_options(CLI::App* sub, Args& a) {
  sub->add_option("snapshots", a.files,
                  "Snapshot files (`ofsck snapshot -o FILE`), directories of *.json snapshots, "
                  "or - for a stream on stdin (concatenated documents, or clush/pdsh output "
                  "with its 'NODE: ' line prefixes)")
      ->required();
  add_format_option(sub, a.common.format);
}

}  // namespace ofsck::cli
