#include <fmt/format.h>

#include "report/escape.hpp"
#include "report/file_verdicts.hpp"
#include "report/render.hpp"

namespace ofsck::report {

namespace {

const char* color_of(check::Severity s) {
  switch (s) {
    case check::Severity::kError: return "\033[1;31m";
    case check::Severity::kWarning: return "\033[1;35m";
    case check::Severity::kNote: return "\033[1;36m";
  }
  return "";
}

std::string location_text(const SourceRef& w) {
  std::string s = escape(w.path);
  if (w.line) s += fmt::format(":{}", w.line);
  if (w.offset != SourceRef::kNoOffset) s += fmt::format("+0x{:x}", w.offset);
  return s;
}

}  // namespace

std::string render_text(const check::CheckResult& r, const TextOptions& o) {
  std::string out;
  const char* bold = o.color ? "\033[1m" : "";
  const char* reset = o.color ? "\033[0m" : "";
  size_t errors = 0, warnings = 0, notes = 0;
  for (const auto& f : r.findings) {
    if (f.severity == check::Severity::kError) ++errors;
    if (f.severity == check::Severity::kWarning) ++warnings;
    if (f.severity == check::Severity::kNote) ++notes;
    if (f.severity == check::Severity::kNote && !o.show_notes) continue;
    std::string loc = f.where.empty() ? std::string("ofsck") : location_text(f.where.front());
    std::string pkg = f.where.empty() || f.where.front().package.empty()
                          ? std::string()
                          : " [" + escape(f.where.front().package) + "]";
    out += fmt::format("{}{}:{} {}{}[{}]:{} {}{}{}{}\n", bold, loc, reset,
                       o.color ? color_of(f.severity) : "", check::severity_name(f.severity),
                       f.rule, reset, bold, esc(f.message), reset, pkg);
    // The config line as the reader kept it (SourceRef::text); nothing here opens a file.
    if (!f.where.empty() && f.where.front().line && !f.where.front().text.empty())
      out += fmt::format("    {}\n    ^\n", esc(f.where.front().text));
    for (const auto& k : f.kernel_messages) out += fmt::format("  kernel: {}\n", esc(k));
    if (!f.modprobe_message.empty()) out += fmt::format("  {}\n", esc(f.modprobe_message));
    for (size_t i = 1; i < f.where.size(); ++i)
      out += fmt::format("  note: see {}{}\n", location_text(f.where[i]),
                         f.where[i].package.empty() ? "" : " (" + escape(f.where[i].package) + ")");
    for (const auto& n : f.notes) out += fmt::format("  note: {}\n", esc(n));
    if (!f.hint.empty()) out += fmt::format("  hint: {}\n", esc(f.hint));
  }
  if (o.verbose) {
    const auto& in = r.inputs;
    out += fmt::format("input: kernel image: {}\n",
                       in.kernel_image.empty() ? std::string("none found")
                                               : escape(in.kernel_image) + " (" +
                                                     escape(in.kernel_image_found_by) + ")");
    out += fmt::format("input: modversions: {} ({}{}{})\n", in.modversions ? "yes" : "no",
                       esc(in.modversions_source.empty() ? "assumed" : in.modversions_source),
                       in.modversions_evidence.empty() ? "" : ": ", esc(in.modversions_evidence));
    out += fmt::format("input: kmod: {} ({})\n", in.kmod_version, esc(in.kmod_version_source));
    if (!in.module_insert.empty())
      out += fmt::format("input: module insert: {}\n", esc(in.module_insert));
    for (const auto& m : r.modules) {
      out += fmt::format("{} {} {}{}\n", m.loads ? "ok  " : "FAIL", esc(m.name), esc(m.file),
                         m.loads ? "" : " (" + escape(m.errno_name) + ")");
    }
  }
  out += render_file_verdicts(r, o);
  size_t loading = 0;
  for (const auto& m : r.modules) loading += m.loads;
  out += fmt::format("ofsck: {} {}: {} modules, {} load, {} fail; {} error{}, {} warning{}, {} "
                     "note{}\n",
                     esc(r.inputs.kernel_release), esc(r.inputs.root), r.modules.size(), loading,
                     r.modules.size() - loading, errors, errors == 1 ? "" : "s", warnings,
                     warnings == 1 ? "" : "s", notes, notes == 1 ? "" : "s");
  return terminal_safe(out);
}

}  // namespace ofsck::report
