#include "report/fleet.hpp"

#include <fmt/format.h>

#include "report/escape.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

namespace {

using nlohmann::ordered_json;

/// A snapshot string as raw bytes again (the writer escaped it); dump_json() and esc() escape
/// it once on the way out.
std::string raw(const std::string& s) { return unescape(s); }

ordered_json raw_or_null(const std::string& s) {
  return s.empty() ? ordered_json(nullptr) : ordered_json(raw(s));
}

ordered_json group_json(const scenario::FleetGroup& g) {
  return ordered_json{{"nodes", raw(g.nodes)},   {"count", g.count},
                      {"digest", raw(g.digest)}, {"kernel", raw(g.kernel)},
                      {"kmod", raw(g.kmod)},     {"verdict", raw(g.verdict)},
                      {"failing", g.failing},    {"errors", g.errors},
                      {"warnings", g.warnings},  {"first", raw_or_null(g.first)}};
}

ordered_json drift_json(const scenario::Drift& d) {
  ordered_json j{{"kind", d.kind}, {"module", raw_or_null(d.module)}};
  if (d.kind == "package") j["package"] = raw(d.subject);
  if (d.kind == "option" || d.kind == "running") j["param"] = raw(d.subject);
  ordered_json variants = ordered_json::array();
  for (const auto& v : d.variants) {
    ordered_json sources = ordered_json::array();
    for (const auto& s : v.sources) sources.push_back(raw(s));
    variants.push_back(ordered_json{{"value", v.value ? ordered_json(raw(*v.value)) : nullptr},
                                    {"nodes", raw(v.nodes)},
                                    {"count", v.count},
                                    {"sources", std::move(sources)}});
  }
  j["variants"] = std::move(variants);
  return j;
}

/// How a variant without a value reads, by kind.
const char* absent_text(const std::string& kind) {
  if (kind == "package") return "(not installed)";
  if (kind == "module") return "(not listed: its package's own file, or no such module)";
  if (kind == "option") return "(not set)";
  if (kind == "finding") return "(no finding)";
  if (kind == "running") return "(running as configured, or not live)";
  return "(none)";
}

std::string drift_header(const scenario::Drift& d) {
  std::string what = d.module.empty() ? "" : " " + escape(raw(d.module));
  if (!d.subject.empty()) what += " " + escape(raw(d.subject));
  size_t nodes = 0;
  for (const auto& v : d.variants) nodes += v.count;
  return fmt::format("drift[{}]{}: {} variants over {} nodes\n", d.kind, what, d.variants.size(),
                     nodes);
}

std::string group_line(const scenario::FleetGroup& g) {
  std::string line =
      fmt::format("{} ({} node{}): {} kernel={} kmod={} stack={} failing={} errors={}",
                  esc(raw(g.nodes)), g.count, g.count == 1 ? "" : "s",
                  g.verdict.empty() ? "?" : escape(raw(g.verdict)), esc(raw(g.kernel)),
                  esc(raw(g.kmod)), esc(raw(g.digest.substr(0, 12))), g.failing, g.errors);
  if (!g.first.empty()) line += " first=" + escape(raw(g.first));
  return line + "\n";
}

}  // namespace

std::string render_fleet_json(const scenario::FleetReport& r) {
  ordered_json doc{{"schema", kJsonSchemaVersion},
                   {"tool", "ofsck"},
                   {"command", "fleet"},
                   {"nodes", r.nodes},
                   {"error_nodes", r.error_nodes}};
  doc["groups"] = ordered_json::array();
  for (const auto& g : r.groups) doc["groups"].push_back(group_json(g));
  doc["drift"] = ordered_json::array();
  for (const auto& d : r.drift) doc["drift"].push_back(drift_json(d));
  doc["notes"] = ordered_json::array();
  for (const auto& n : r.notes) doc["notes"].push_back(n);
  return dump_json(std::move(doc));
}

std::string render_fleet_text(const scenario::FleetReport& r, const TextOptions&) {
  std::string out =
      fmt::format("fleet: {} node{} in {} group{}, {} drift item{}, {} node{} with errors\n",
                  r.nodes, r.nodes == 1 ? "" : "s", r.groups.size(),
                  r.groups.size() == 1 ? "" : "s", r.drift.size(), r.drift.size() == 1 ? "" : "s",
                  r.error_nodes, r.error_nodes == 1 ? "" : "s");
  for (const auto& g : r.groups) out += "group " + group_line(g);
  for (const auto& d : r.drift) {
    out += drift_header(d);
    for (const auto& v : d.variants) {
      out += fmt::format("  {}: {} ({})", v.value ? escape(raw(*v.value)) : absent_text(d.kind),
                         esc(raw(v.nodes)), v.count);
      for (size_t i = 0; i < v.sources.size(); ++i)
        out += (i == 0 ? " from " : ", ") + escape(raw(v.sources[i]));
      out += "\n";
    }
  }
  for (const auto& n : r.notes) out += "note: " + escape(n) + "\n";
  return out;
}

}  // namespace ofsck::report
