#include "report/upgrade.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "report/escape.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

namespace {
using nlohmann::ordered_json;
}  // namespace

namespace {
/// Each element escaped, joined by ", ".
std::string esc_list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += (s.empty() ? "" : ", ") + escape(e);
  return s;
}
}  // namespace

std::string render_upgrade_text(const check::UpgradeReport& r, const TextOptions& o) {
  std::string out;
  const char* bold = o.color ? "\033[1m" : "";
  const char* reset = o.color ? "\033[0m" : "";
  out += fmt::format("ofsck upgrade: {} -> {} on {}{}\n", esc(r.from), esc(r.to), esc(r.root),
                     r.kabi_list.empty() ? "" : ", kABI list " + escape(r.kabi_list));
  for (const auto& p : r.to_packages_read) out += fmt::format("  {} from: {}\n", esc(r.to), esc(p));
  size_t as_is = 0, linked = 0, rebuild = 0;
  for (const auto& m : r.modules) {
    as_is += m.verdict_as_is == check::kUpgradeLoads;
    linked +=
        m.verdict_as_is != check::kUpgradeLoads && m.verdict_if_linked == check::kUpgradeLoads;
    rebuild += m.needs_rebuild;
    const char* tag = m.verdict_as_is == check::kUpgradeLoads ? "ok     "
                      : m.needs_rebuild                       ? "REBUILD"
                                                              : "LINK   ";
    out += fmt::format("{}{} {}{} {}{}{}\n", bold, tag, esc(m.name), reset, esc(m.file),
                       m.package.empty() ? "" : " [" + escape(m.package) + "]",
                       m.suppressed ? " (suppressed: accepted by --ignore or the baseline)" : "");
    out += fmt::format("  as is: {}{}\n", esc(m.verdict_as_is),
                       m.as_is_file.empty() || m.as_is_file == m.file
                           ? ""
                           : " (" + escape(m.as_is_file) + ")");
    out += fmt::format("  if linked as {}: {}{}\n", esc(m.link_path), esc(m.verdict_if_linked),
                       m.errno_name.empty() ? "" : " (" + escape(m.errno_name) + ")");
    if (m.needs_rebuild) out += fmt::format("  rebuild against: {}\n", esc(m.rebuild_headers));
    for (const auto& s : m.reasons) out += fmt::format("  note: {}\n", esc(s));
    if (o.verbose || m.needs_rebuild || m.verdict_if_linked != check::kUpgradeLoads)
      for (const auto& k : m.kernel_messages) out += fmt::format("  kernel: {}\n", esc(k));
    for (const auto& s : m.failing_symbols) out += fmt::format("  symbol: {}\n", esc(s));
    if (!m.kabi_risks.empty())
      out += fmt::format("  kABI risk ({} not on the list): {}\n", m.kabi_risks.size(),
                         esc_list(m.kabi_risks));
  }
  if (!r.kabi_by_package.empty()) {
    out += fmt::format("{}kABI risk by package{} (imports not on {}):\n", bold, reset,
                       esc(r.kabi_list));
    for (const auto& p : r.kabi_by_package) {
      out += fmt::format("  {}: {} symbol(s) in {} module(s): {}\n", esc(p.package),
                         p.symbols.size(), p.modules.size(), esc_list(p.modules));
      for (const auto& s : p.symbols)
        out += fmt::format("    {}: {}\n", esc(s.symbol), esc_list(s.modules));
    }
  }
  out += fmt::format("ofsck: {} -> {}: {} modules not built with {}: {} load as is, {} need a "
                     "weak-updates link, {} need a rebuild{}\n",
                     esc(r.from), esc(r.to), r.modules.size(), esc(r.from), as_is, linked, rebuild,
                     suppressed_text(r.suppressed));
  return terminal_safe(out);
}

std::string render_upgrade_json(const check::UpgradeReport& r) {
  ordered_json doc;
  doc["schema"] = kJsonSchemaVersion;
  doc["tool"] = "ofsck";
  doc["command"] = "upgrade";
  doc["inputs"] = {{"root", r.root},
                   {"from", r.from},
                   {"to", r.to},
                   {"kabi_list", null_if_empty(r.kabi_list)},
                   {"to_packages", r.to_packages}};
  ordered_json mods = ordered_json::array();
  for (const auto& m : r.modules) {
    mods.push_back({{"name", m.name},
                    {"file", m.file},
                    {"package", null_if_empty(m.package)},
                    {"verdict_as_is", m.verdict_as_is},
                    {"as_is_file", null_if_empty(m.as_is_file)},
                    {"verdict_if_linked", m.verdict_if_linked},
                    {"link_path", m.link_path},
                    {"needs_rebuild", m.needs_rebuild},
                    {"rebuild_headers", null_if_empty(m.rebuild_headers)},
                    {"errno", null_if_empty(m.errno_name)},
                    {"kernel_messages", m.kernel_messages},
                    {"reasons", m.reasons},
                    {"failing_symbols", m.failing_symbols},
                    {"kabi_risks", m.kabi_risks},
                    {"suppressed", m.suppressed}});
  }
  doc["modules"] = mods;
  ordered_json finds = ordered_json::array();
  for (const auto& f : r.findings) finds.push_back(finding_json(f, PathRule(r.root)));
  ordered_json kabi_pkgs = nullptr;  // null: no kABI list
  if (!r.kabi_list.empty()) {
    kabi_pkgs = ordered_json::array();
    for (const auto& p : r.kabi_by_package) {
      ordered_json syms = ordered_json::array();
      for (const auto& s : p.symbols)
        syms.push_back({{"symbol", s.symbol}, {"modules", s.modules}});
      kabi_pkgs.push_back({{"package", p.package}, {"modules", p.modules}, {"symbols", syms}});
    }
  }
  doc["kabi_by_package"] = kabi_pkgs;
  doc["findings"] = finds;
  size_t rebuild = 0;
  for (const auto& m : r.modules) rebuild += m.needs_rebuild;
  doc["summary"] = {{"modules", r.modules.size()},
                    {"needs_rebuild", rebuild},
                    {"unloadable", r.any_unloadable},
                    {"suppressed", r.suppressed.total()},
                    {"suppressed_by",
                     {{"ignore", r.suppressed.ignored}, {"baseline", r.suppressed.baseline}}}};
  return dump_json(std::move(doc));
}

}  // namespace ofsck::report
