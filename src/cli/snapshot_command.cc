// `ofsck snapshot`: one node's driver stack as a versioned JSON document, or its one-line
// summary (scenario/snapshot.hpp, report/snapshot.hpp).
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/exit_status.hpp"
#include "cli/version.hpp"
#include "report/escape.hpp"
#include "report/snapshot.hpp"
#include "util/atomic_file.hpp"
#include "util/timing.hpp"

namespace ofsck::cli {

std::optional<read::LiveDirs> live_dirs(const Args& a) {
  const SnapshotArgs& s = a.snapshot;
  const std::string& root = a.common.node.spec.root;
  if (s.proc.empty() && s.sys.empty() && !(root.empty() || root == "/")) return std::nullopt;
  read::LiveDirs d;
  if (!s.proc.empty()) d.proc = s.proc;
  if (!s.sys.empty()) d.sys = s.sys;
  return d;
}

void live_dir_options(CLI::App* sub, SnapshotArgs& s) {
  sub->add_option("--proc", s.proc,
                  "Directory standing in for /proc: read loaded modules from DIR/modules (the "
                  "root is then taken as the running system; default /proc for the root /)")
      ->type_name("DIR");
  sub->add_option("--sys", s.sys,
                  "Directory standing in for /sys: DIR/module/M/parameters (default /sys)")
      ->type_name("DIR");
}

namespace {

int write_output(const std::string& out, const std::string& text) {
  if (out.empty() || out == "-") {
    write_text(text);
    return kExitOk;
  }
  if (auto w = write_file_atomically(out, text); !w) return report_error(w.error());
  return kExitOk;
}

}  // namespace

void snapshot_options(CLI::App* sub, Args& a) {
  SnapshotArgs& s = a.snapshot;
  sub->add_option("--node", s.node,
                  "Node name in the document (default: the host name for the root /, else the "
                  "root directory's name)");
  sub->add_option("-o,--output", s.output,
                  "Write to FILE (atomically: a temporary file beside it, then rename); - or "
                  "none: standard output")
      ->type_name("FILE");
  sub->add_flag("--summary", s.summary,
                "Print one stable line (ok|FAIL kernel=K stack=<12 hex> failing=N errors=N "
                "[first=MOD:RULE]) so that clush -b / dshbak -c fold identical nodes; with "
                "--format json, the same fields as one JSON object");
  live_dir_options(sub, s);
}

int run_snapshot(Args& a) {
  CommonOptions& c = a.common;
  finish_options(c);
  if (int rc = refuse_baseline_writing(c, "snapshot")) return rc;
  scenario::NodeInputs& in = c.node;
  auto p = check::prepare(in.spec, in.rs);
  if (!p) return report_error(p.error());
  if (empty_tree_status(*p) != kExitOk) return kExitInput;
  a.prepared = std::move(*p);
  a.result = check::evaluate(*a.prepared, in.eo);
  if (a.prepared->verified_signatures) a.prepared->verified_signatures->save();
  if (int rc = apply_suppression(c, a.result)) return rc;
  check::SnapshotInputs si;
  si.node = a.snapshot.node;
  si.ofsck = version();
  si.cache_dir = in.rs.cache_dir;
  si.threads = in.rs.threads;
  si.live = live_dirs(a);
  PhaseTimer timer;
  check::Snapshot s = check::build_snapshot(*a.prepared, a.result, si);
  timer.lap("snapshot");
  for (const auto& problem : s.problems)
    std::fprintf(stderr, "ofsck: note: %s\n", report::escape(problem).c_str());
  std::string text = !a.snapshot.summary  ? report::render_snapshot_json(s)
                     : c.format == "json" ? report::render_snapshot_summary_json(s)
                                          : report::snapshot_summary_line(s) + "\n";
  if (int rc = write_output(a.snapshot.output, text)) return rc;
  timer.lap("snapshot: render and write");
  return exit_for(a.result.findings);
}

}  // namespace ofsck::cli
