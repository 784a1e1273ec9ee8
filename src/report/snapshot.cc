// The snapshot document and its summary (snapshot.hpp).
#include "report/snapshot.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

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

namespace {

/// Appends `dumped` (dump_json() of a value, final newline dropped) as dump_json() writes that
/// value as a member of a top-level object: one level deeper (JSON strings hold no raw newline,
/// so every newline is the layout's).
void append_nested(std::string& out, std::string_view dumped) {
  dumped.remove_suffix(1);
  for (size_t pos = 0; pos < dumped.size();) {
    size_t nl = std::min(dumped.find('\n', pos), dumped.size());
    out.append(dumped.substr(pos, nl - pos));
    if (nl < dumped.size()) out += "\n  ";
    pos = nl + 1;
  }
}

/// The members of an object as dump_json() writes them ("  \"k\": v" joined by ",\n"): what
/// lies between "{\n" and "\n}\n" of its dump ("" for an empty object).
std::string_view members_of(std::string_view dumped) {
  if (dumped == "{}\n") return {};
  return dumped.substr(2, dumped.size() - 5);
}

}  // namespace

// The stack members are dumped once: the digest's canonical form (the stack object alone) is
// assembled from those pieces, and the document takes its members after kernel and kmod as they
// are, byte for byte what dumping each whole object writes, without building or dumping the
// large "modules" array twice.
std::string render_snapshot_json(const check::Snapshot& s) {
  ordered_json stack = stack_json(s);
  std::vector<std::pair<std::string, std::string>> pieces;
  size_t size = 0;
  for (auto& [key, value] : stack.items()) {
    pieces.emplace_back(key, dump_json(std::move(value)));
    size += pieces.back().second.size();
  }
  std::string stack_text = "{\n";
  stack_text.reserve(size + size / 4 + 256);
  size_t body = 0;  // where the members after kernel and kmod (both in the header) begin
  for (const auto& [key, dumped] : pieces) {
    if (stack_text.size() > 2) stack_text += ",\n";
    if (key == "summary") body = stack_text.size();
    stack_text += fmt::format("  \"{}\": ", key);
    append_nested(stack_text, dumped);
  }
  stack_text += "\n}\n";
  ordered_json head;
  head["ofsck_snapshot"] = kSnapshotFormat;
  head["node"] = s.node;
  head["taken"] = s.taken;
  head["ofsck"] = s.ofsck;
  head["kernel"] = s.kernel;
  head["kmod"] = s.kmod;
  head["live"] = s.live;
  head["stack"] = read::sha256_hex(stack_text);
  ordered_json tail = ordered_json::object();
  if (s.live) {
    ordered_json drift;
    tail["loaded"] = live_json(s, drift);
    tail["running_drift"] = std::move(drift);
  }
  if (!s.problems.empty()) tail["problems"] = s.problems;
  const std::string head_text = dump_json(std::move(head)), tail_text = dump_json(std::move(tail));
  const std::string_view rest = members_of(tail_text);
  std::string out = "{\n";
  out.reserve(head_text.size() + stack_text.size() + tail_text.size() + 16);
  out += members_of(head_text);
  out += ",\n";
  out += std::string_view(stack_text).substr(body, stack_text.size() - 3 - body);
  if (!rest.empty()) (out += ",\n") += rest;
  out += "\n}\n";
  return out;
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
