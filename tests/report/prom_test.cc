// report/prom: node_exporter textfile metrics (promtool's lint runs in
// tests/integrations/prom_test.sh).
#include "report/prom.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "check/rules.hpp"
#include "golden.hpp"

namespace ofsck::report {
namespace {

using testdata::has_line;

check::CheckResult result() {
  check::CheckResult r;
  r.inputs.root = "/srv/a\"b\\c";
  r.inputs.kernel_release = "6.1.0-47-amd64\n";
  r.modules.resize(4);
  r.modules[1].loads = false;
  r.modules[2].loads = false;
  r.modules[2].failed_dependency = "x";
  r.modules[3].unreadable = true;
  r.modules[3].loads = false;
  r.findings.push_back(check::make_finding(check::kCrcMismatch, "m", "msg"));
  r.suppressed.baseline = 2;
  return r;
}

TEST(Prom, Values) {
  const std::string t = render_prom(result(), {1765119600.5, 0.25, "0.1.0"});
  EXPECT_TRUE(has_line(t, "ofsck_check_ok 0"));
  EXPECT_TRUE(has_line(t, "ofsck_modules{state=\"loads\"} 1"));
  EXPECT_TRUE(has_line(t, "ofsck_modules{state=\"fails\"} 1"));
  EXPECT_TRUE(has_line(t, "ofsck_modules{state=\"fails_dependency\"} 1"));
  EXPECT_TRUE(has_line(t, "ofsck_modules{state=\"unreadable\"} 1"));
  EXPECT_TRUE(has_line(t, "ofsck_findings{rule=\"" + std::string(check::kCrcMismatch) +
                              "\",severity=\"error\"} 1"));
  EXPECT_TRUE(has_line(t, "ofsck_findings_suppressed{by=\"baseline\"} 2"));
  EXPECT_TRUE(has_line(t, "ofsck_last_check_timestamp_seconds 1765119600.500"));
  EXPECT_TRUE(has_line(t, "ofsck_check_duration_seconds 0.250"));
  // escape() first (newline -> \x0a, `\` -> `\\`), then the exposition format's `\` and `"`.
  EXPECT_TRUE(has_line(t, "ofsck_check_info{kernel=\"6.1.0-47-amd64\\\\x0a\",root=\"/srv/"
                          "a\\\"b\\\\\\\\c\",version=\"0.1.0\"} 1"))
      << t;
}

TEST(Prom, EveryRuleEveryFamilyDeclared) {
  const std::string t = render_prom(check::CheckResult{}, {});
  EXPECT_TRUE(has_line(t, "ofsck_check_ok 1"));
  for (const auto& rule : check::rule_catalogue())
    EXPECT_TRUE(has_line(t, "ofsck_findings{rule=\"" + std::string(rule.id) + "\",severity=\"" +
                                std::string(check::severity_name(rule.severity)) + "\"} 0"))
        << rule.id;
  std::set<std::string> typed;
  std::istringstream in(t);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.starts_with("#")) continue;
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_TRUE(name.starts_with("ofsck_")) << line;
    EXPECT_EQ(typed.count(name), 1u) << "no # TYPE before " << line;
  }
}

TEST(Prom, RunningParamDriftOnlyWhenLive) {
  PromRun run{1, 0, "0.1.0", std::nullopt};
  EXPECT_EQ(render_prom(result(), run).find("ofsck_running_param_drift"), std::string::npos);
  run.running_param_drift = 0;
  EXPECT_TRUE(has_line(render_prom(result(), run), "ofsck_running_param_drift 0"));
  run.running_param_drift = 3;
  const std::string t = render_prom(result(), run);
  EXPECT_TRUE(has_line(t, "# TYPE ofsck_running_param_drift gauge"));
  EXPECT_TRUE(has_line(t, "ofsck_running_param_drift 3")) << t;
}

scenario::FleetReport fleet() {
  scenario::FleetReport r;
  r.nodes = 40;
  r.groups.resize(3);
  r.groups[0].count = 36;
  r.groups[1].count = 3;
  r.groups[2].count = 1;
  r.error_nodes = 3;
  for (const char* kind : {"option", "option", "finding", "kernel"}) r.drift.push_back({kind});
  return r;
}

TEST(FleetProm, Values) {
  const std::string t = render_fleet_prom(fleet(), 2, {1765119600.5, 1.25, "0.1.0"});
  EXPECT_TRUE(has_line(t, "ofsck_fleet_ok 0"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_nodes 40"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_groups 3"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_outlier_nodes 4"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_error_nodes 3"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_unreadable_inputs 2"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_drift{kind=\"option\"} 2"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_drift{kind=\"finding\"} 1"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_drift{kind=\"kernel\"} 1"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_drift{kind=\"running\"} 0"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_last_run_timestamp_seconds 1765119600.500"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_duration_seconds 1.250"));
}

TEST(FleetProm, OkOnlyWhenAllReadAndNothingDrifts) {
  scenario::FleetReport r;
  EXPECT_TRUE(has_line(render_fleet_prom(r, 0, {}), "ofsck_fleet_ok 0"));  // no node read
  r.nodes = 2;
  r.groups.push_back({"cn[1-2]", 2});
  std::string t = render_fleet_prom(r, 0, {});
  EXPECT_TRUE(has_line(t, "ofsck_fleet_ok 1"));
  EXPECT_TRUE(has_line(t, "ofsck_fleet_outlier_nodes 0"));
  EXPECT_TRUE(has_line(render_fleet_prom(r, 1, {}), "ofsck_fleet_ok 0"));
  for (const char* kind : scenario::kDriftKinds)
    EXPECT_TRUE(has_line(t, "ofsck_fleet_drift{kind=\"" + std::string(kind) + "\"} 0")) << kind;
  // Every sample under a declared family, every name ofsck_fleet_ (beside check's ofsck.prom).
  std::istringstream in(t);
  std::string line;
  std::set<std::string> typed;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) typed.insert(line.substr(7, line.find(' ', 7) - 7));
    if (line.starts_with("#")) continue;
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_TRUE(name.starts_with("ofsck_fleet_")) << line;
    EXPECT_EQ(typed.count(name), 1u) << line;
  }
}

}  // namespace
}  // namespace ofsck::report
