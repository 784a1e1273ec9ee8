#include "report/prom.hpp"

#include <map>
#include <string_view>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "report/escape.hpp"

namespace ofsck::report {

namespace {

void family(std::string& out, std::string_view name, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

void gauge(std::string& out, std::string_view name, std::string_view help, size_t value) {
  family(out, name, help);
  out += fmt::format("{} {}\n", name, value);
}

/// A gauge in seconds, to the millisecond.
void seconds(std::string& out, std::string_view name, std::string_view help, double value) {
  family(out, name, help);
  out += fmt::format("{} {:.3f}\n", name, value);
}

void append_modules(std::string& out, const check::CheckResult& r) {
  size_t loads = 0, fails = 0, dependency = 0, unreadable = 0;
  for (const auto& m : r.modules) {
    if (m.unreadable) ++unreadable;
    else if (m.loads) ++loads;
    else if (!m.failed_dependency.empty()) ++dependency;
    else ++fails;
  }
  family(out, "ofsck_modules",
         "Modules of the checked kernel by verdict: loads, fails (on its own), fails_dependency "
         "(a dependency fails), unreadable (a given file)");
  out += fmt::format(
      "ofsck_modules{{state=\"loads\"}} {}\nofsck_modules{{state=\"fails\"}} {}\n"
      "ofsck_modules{{state=\"fails_dependency\"}} {}\nofsck_modules{{state=\"unreadable\"}} {}\n",
      loads, fails, dependency, unreadable);
}

/// One series per rule of the catalogue (0 included, so that a series does not vanish when a
/// problem is fixed), and per rule a finding names that the catalogue does not.
void append_findings(std::string& out, const check::CheckResult& r) {
  std::map<std::pair<std::string, std::string>, size_t> n;
  for (const auto& rule : check::rule_catalogue())
    n[{std::string(rule.id), std::string(check::severity_name(rule.severity))}] = 0;
  for (const auto& f : r.findings) ++n[{f.rule, std::string(check::severity_name(f.severity))}];
  family(out, "ofsck_findings", "Findings of the check by rule and severity (after suppression)");
  for (const auto& [key, count] : n)
    out += fmt::format("ofsck_findings{{rule=\"{}\",severity=\"{}\"}} {}\n", prom_label(key.first),
                       prom_label(key.second), count);
  family(out, "ofsck_findings_suppressed",
         "Findings not reported: by --ignore or the config's ignore lines, or by the baseline");
  out += fmt::format("ofsck_findings_suppressed{{by=\"ignore\"}} {}\n"
                     "ofsck_findings_suppressed{{by=\"baseline\"}} {}\n",
                     r.suppressed.ignored, r.suppressed.baseline);
}

void append_fleet_drift(std::string& out, const scenario::FleetReport& r) {
  std::map<std::string, size_t> n;
  for (const char* kind : scenario::kDriftKinds) n[kind] = 0;
  for (const auto& d : r.drift) ++n[d.kind];
  family(out, "ofsck_fleet_drift",
         "Items that differ between nodes, by kind: kernel, kmod, package, module (winning file "
         "outside its package), option (effective value), finding, running (a running value "
         "that differs from the configured one)");
  for (const auto& [kind, count] : n)
    out += fmt::format("ofsck_fleet_drift{{kind=\"{}\"}} {}\n", prom_label(kind), count);
}

}  // namespace

std::string render_fleet_prom(const scenario::FleetReport& r, size_t unreadable_inputs,
                              const PromRun& run) {
  std::string out;
  const bool ok = unreadable_inputs == 0 && r.nodes > 0 && !scenario::fleet_has_problems(r);
  gauge(out, "ofsck_fleet_ok",
        "1 when every snapshot was read and no node has an error and nothing drifts (ofsck "
        "fleet exits 0), else 0",
        ok ? 1 : 0);
  gauge(out, "ofsck_fleet_nodes", "Nodes whose snapshots were read", r.nodes);
  gauge(out, "ofsck_fleet_groups", "Groups of nodes with the same stack digest", r.groups.size());
  const size_t largest = r.groups.empty() ? 0 : r.groups.front().count;
  gauge(out, "ofsck_fleet_outlier_nodes", "Nodes outside the largest group", r.nodes - largest);
  gauge(out, "ofsck_fleet_error_nodes", "Nodes with error-level findings", r.error_nodes);
  gauge(out, "ofsck_fleet_unreadable_inputs",
        "Snapshot files, documents or streams that could not be read", unreadable_inputs);
  append_fleet_drift(out, r);
  seconds(out, "ofsck_fleet_last_run_timestamp_seconds",
          "When the fleet view was made, in seconds since the epoch", run.finished);
  seconds(out, "ofsck_fleet_duration_seconds", "How long reading and comparing took, in seconds",
          run.duration);
  return out;
}

std::string prom_label(std::string_view s) {
  std::string e = escape(s), out;
  out.reserve(e.size());
  for (char c : e) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string render_prom(const check::CheckResult& r, const PromRun& run) {
  std::string out;
  family(out, "ofsck_check_info", "The checked kernel release and root, and the ofsck version");
  out += fmt::format("ofsck_check_info{{kernel=\"{}\",root=\"{}\",version=\"{}\"}} 1\n",
                     prom_label(r.inputs.kernel_release), prom_label(r.inputs.root),
                     prom_label(run.ofsck_version));
  family(out, "ofsck_check_ok", "1 when no finding is an error (ofsck check exits 0), else 0");
  out +=
      fmt::format("ofsck_check_ok {}\n", check::count_severities(r.findings).errors == 0 ? 1 : 0);
  append_modules(out, r);
  append_findings(out, r);
  if (run.running_param_drift)
    gauge(out, "ofsck_running_param_drift",
          "Parameters of loaded modules running with another value than the configured one "
          "(modprobe.d options, kernel command line): the next load or boot changes them",
          *run.running_param_drift);
  seconds(out, "ofsck_last_check_timestamp_seconds",
          "When the check ended, in seconds since the epoch", run.finished);
  seconds(out, "ofsck_check_duration_seconds", "How long the check took, in seconds", run.duration);
  return out;
}

}  // namespace ofsck::report
