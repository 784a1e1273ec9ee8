// The snapshot document and its summary (snapshot.hpp).
#include "report/snapshot.hpp"

#include <fmt/format.h>

#include "read/file_digests.hpp"
#include "report/escape.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

namespace {

using nlohmann::ordered_json;

ordered_json summary_json(const check::SnapshotSummary& s) {
  return ordered_json{{"verdict", s.ok ? "ok" : "FAIL"},
                      {"modules", s.modules},
                      {"failing", s.failing},
                      {"errors", s.errors},
                      {"warnings", s.warnings},
                      {"first", null_if_empty(s.first)}};
}

ordered_json modules_json(const std::vector<check::SnapshotModule>& mods) {
  ordered_json a = ordered_json::array();
  for (const auto& m : mods)
    a.push_back({{"name", m.name},
                 {"path", m.path},
                 {"sha256", null_if_empty(m.sha256)},
                 {"package", null_if_empty(m.package)},
                 {"version", null_if_empty(m.version)},
                 {"why", m.why},
                 {"srcversion", null_if_empty(m.srcversion)},
                 {"signer", null_if_empty(m.signer)},
                 {"loads", m.loads}});
  return a;
}

/// Every field the stack digest covers, in document order.
ordered_json stack_json(const check::Snapshot& s) {
  ordered_json j;
  j["kernel"] = s.kernel;
  j["kmod"] = s.kmod;
  j["summary"] = summary_json(s.summary);
  j["findings"] = ordered_json::array();
  for (const auto& f : s.findings)
    j["findings"].push_back({{"rule", f.rule}, {"severity", f.severity}, {"subject", f.subject}});
  j["packages"] = ordered_json::array();
  for (const auto& p : s.packages)
    j["packages"].push_back(
        {{"name", p.name}, {"version", p.version}, {"modules", p.modules}, {"digest", p.digest}});
  j["modules"] = modules_json(s.modules);
  j["options"] = ordered_json::array();
  for (const auto& o : s.options)
    j["options"].push_back({{"module", o.module},
                            {"param", o.param},
                            {"value", o.value ? ordered_json(*o.value) : ordered_json(nullptr)},
                            {"source", o.source}});
  return j;
}

ordered_json live_json(const check::Snapshot& s, ordered_json& drift) {
  ordered_json loaded = ordered_json::array();
  for (const auto& m : s.loaded) {
    ordered_json params = ordered_json::object();
    for (const auto& [k, v] : m.params) params[k] = v;
    loaded.push_back({{"name", m.name}, {"params", std::move(params)}});
  }
  drift = ordered_json::array();
  for (const auto& d : s.running_drift)
    drift.push_back({{"module", d.module},
                     {"param", d.param},
                     {"configured", d.configured},
                     {"running", d.running}});
  return loaded;
}

}  // namespace

std::string stack_digest(const check::Snapshot& s) {
  return read::sha256_hex(dump_json(stack_json(s)));
}

std::string render_snapshot_json(const check::Snapshot& s) {
  ordered_json stack = stack_json(s);
  std::string digest = read::sha256_hex(dump_json(stack));
  ordered_json j;
  j["ofsck_snapshot"] = kSnapshotFormat;
  j["node"] = s.node;
  j["taken"] = s.taken;
  j["ofsck"] = s.ofsck;
  j["kernel"] = s.kernel;
  j["kmod"] = s.kmod;
  j["live"] = s.live;
  j["stack"] = digest;
  for (const char* k : {"summary", "findings", "packages", "modules", "options"})
    j[k] = std::move(stack[k]);
  if (s.live) {
    ordered_json drift;
    j["loaded"] = live_json(s, drift);
    j["running_drift"] = std::move(drift);
  }
  if (!s.problems.empty()) j["problems"] = s.problems;
  return dump_json(std::move(j));
}

std::string snapshot_summary_line(const check::Snapshot& s) {
  std::string line =
      fmt::format("{} kernel={} stack={} failing={} errors={}", s.summary.ok ? "ok" : "FAIL",
                  esc(s.kernel), stack_digest(s).substr(0, 12), s.summary.failing,
                  s.summary.errors);
  if (!s.summary.first.empty()) line += fmt::format(" first={}", esc(s.summary.first));
  return line;
}

std::string render_snapshot_summary_json(const check::Snapshot& s) {
  ordered_json j{{"verdict", s.summary.ok ? "ok" : "FAIL"},
                 {"kernel", s.kernel},
                 {"stack", stack_digest(s).substr(0, 12)},
                 {"failing", s.summary.failing},
                 {"errors", s.summary.errors},
                 {"first", null_if_empty(s.summary.first)}};
  return dump_json(std::move(j));
}

}  // namespace ofsck::report
