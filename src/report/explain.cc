#include "report/explain.hpp"

#include <fmt/format.h>

#include "report/escape.hpp"
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

}  // namespace

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
  return out;
}

}  // namespace ofsck::report
