#include "report/explain.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/escape.hpp"
#include "report/explain_config.hpp"
#include "report/json_dump.hpp"
#include "report/render.hpp"
#include "report/verdict_text.hpp"

namespace ofsck::report {

namespace {

/// " (package …)" or " (not owned by any package)" after a path; "" without a database.
std::string package_suffix(const std::string& label) {
  if (label.empty()) return label;
  return label == kNotOwned ? " (" + label + ")" : " (package " + label + ")";
}

std::string selection_text(const Explanation::Selection& sel) {
  std::string out = fmt::format("  candidates ({}):\n", sel.candidates.size());
  for (const auto& c : sel.candidates)
    out += fmt::format("    {}{}\n", esc(c.relpath), esc(package_suffix(c.package)));
  for (const auto& l : sel.losses) {
    out += fmt::format("  lost: {} — {}\n", esc(l.relpath), esc(l.reason));
    // The depmod.d line (the override, or the winner's search entry), or none.
    const SourceRef& w = l.decided_by;
    if (w.path.empty())
      out += "    decided by: depmod's built-in search order (no configuration line)\n";
    else
      out += fmt::format("    decided by: {}{}{}\n", esc(w.path),
                         w.line ? ":" + std::to_string(w.line) : "",
                         esc(package_suffix(l.decided_by_package)));
  }
  if (sel.tie) out += "  note: the winner depends on directory read order (tie)\n";
  return out;
}

std::string verdict_text(const check::ModuleResult& mr) {
  std::string out = fmt::format("  verdict: {}{}{}\n", mr.loads ? "loads" : "FAILS",
                                mr.loads ? "" : " (" + escape(mr.errno_name) + ")",
                                mr.failed_dependency.empty() ? "" : ": " + dependency_text(mr));
  if (mr.install) out += fmt::format("  install: {}\n", install_text(mr));
  if (!mr.taints.empty()) out += fmt::format("  taints: {}\n", esc(mr.taints));
  for (const auto& k : mr.kernel_messages)
    out += fmt::format("  kernel: {}{}\n", esc(k.text), k.once_per_boot ? "  [once per boot]" : "");
  return out;
}

std::string linkage_text(const Explanation::Linkage& l) {
  std::string out = fmt::format("  signature: {}\n", esc(l.signature));
  out += "  imports:\n";
  for (const auto& b : l.imports) {
    std::string crc = b.expected && b.actual
                          ? (*b.expected == *b.actual ? "CRC ok" : "CRC MISMATCH")
                          : (b.expected ? "no provider CRC" : "no __versions entry");
    out += fmt::format("    {} -> {} ({})\n", esc(b.symbol),
                       b.provider.empty() ? "(none)" : escape(b.provider), crc);
  }
  return out;
}

using nlohmann::ordered_json;

ordered_json crc_json(const std::optional<uint32_t>& c) {
  return c ? ordered_json(fmt::format("0x{:08x}", *c)) : ordered_json(nullptr);
}

ordered_json selection_json(const Explanation::Selection& sel, const PathRule& rule) {
  ordered_json cands = ordered_json::array(), losses = ordered_json::array();
  for (const auto& c : sel.candidates)
    cands.push_back({{"file", c.relpath}, {"package", null_if_empty(c.package)}});
  for (const auto& l : sel.losses) {
    const SourceRef& w = l.decided_by;  // null: depmod's built-in search order
    losses.push_back(
        {{"file", l.relpath},
         {"reason", l.reason},
         {"decided_by",
          w.path.empty()
              ? ordered_json(nullptr)
              : ordered_json{{"path", rule.node_path(w.path)},
                             {"line", w.line ? ordered_json(w.line) : ordered_json(nullptr)},
                             {"package", null_if_empty(l.decided_by_package)}}}});
  }
  return {{"candidates", cands}, {"losses", losses}, {"tie", sel.tie}};
}

}  // namespace

bool Explanation::loads() const {
  for (const auto& v : verdicts)
    if (!v.loads) return false;
  return true;
}

std::string render_explain_json(const Explanation& e) {
  ordered_json doc;
  doc["schema"] = kJsonSchemaVersion;
  doc["tool"] = "ofsck";
  doc["command"] = "explain";
  doc["module"] = e.module;
  const PathRule rule(e.root);
  doc["file"] = rule.node_path(e.file);
  doc["package"] = null_if_empty(e.package);
  ordered_json sels = ordered_json::array(), verdicts = ordered_json::array();
  for (const auto& s : e.selections) sels.push_back(selection_json(s, rule));
  doc["selections"] = sels;
  doc["load_order"] = e.load_order;
  for (const auto& v : e.verdicts) verdicts.push_back(module_json(v));
  doc["verdicts"] = verdicts;
  doc["loads"] = e.loads();
  doc["failure_accepted"] = e.failure_accepted;
  doc["suppressed"] = e.suppressed.total();
  doc["suppressed_by"] = {{"ignore", e.suppressed.ignored}, {"baseline", e.suppressed.baseline}};
  ordered_json imports = ordered_json::array();
  if (e.linkage)
    for (const auto& b : e.linkage->imports)
      imports.push_back({{"symbol", b.symbol},
                         {"provider", null_if_empty(b.provider)},
                         {"expected_crc", crc_json(b.expected)},
                         {"found_crc", crc_json(b.actual)}});
  doc["signature"] = e.linkage ? ordered_json(e.linkage->signature) : ordered_json(nullptr);
  doc["imports"] = imports;  // empty for a built-in module
  doc["config"] = config_json(e.config, rule);
  return dump_json(std::move(doc));
}

std::string render_explain_text(const Explanation& e) {
  std::string out = fmt::format("module {}\n  file: {}\n", esc(e.module), esc(e.file));
  out += e.have_package_db ? fmt::format("  package: {}\n", esc(e.package))
                           : "  package: unknown (the root has no dpkg or RPM database)\n";
  for (const auto& sel : e.selections) out += selection_text(sel);
  out += "  load order (modprobe):";
  for (const auto& name : e.load_order) out += " " + escape(name);
  out += "\n";
  for (const auto& mr : e.verdicts) out += verdict_text(mr);
  if (e.linkage) out += linkage_text(*e.linkage);
  out += config_text(e.config);
  if (e.suppressed.total()) {
    const std::string by = suppressed_text(e.suppressed);  // "; N suppressed (--ignore I, ...)"
    out += fmt::format("  suppressed: {} finding{} of this load{}{}\n", e.suppressed.total(),
                       e.suppressed.total() == 1 ? "" : "s", by.substr(by.find(" (")),
                       e.failure_accepted ? "; the failure is accepted (exit status 0)" : "");
  }
  return out;
}

}  // namespace ofsck::report
