#include <algorithm>
#include <map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "report/escape.hpp"
#include "report/file_verdicts.hpp"
#include "report/render.hpp"
#include "report/verdict_text.hpp"

namespace ofsck::report {

namespace {

// Without --verbose, one module's block shows at most this many of each list, then a count.
constexpr size_t kFindingsShown = 5;  ///< findings under the module's header, after the first
constexpr size_t kKernelShown = 12;   ///< kernel: lines
constexpr size_t kNotesShown = 8;     ///< note: and hint: lines

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

/// The lines of one block, each once, in first-seen order (views into the findings).
struct Lines {
  std::vector<std::string_view> v;
  std::unordered_set<std::string_view> seen;
  void add(std::string_view s) {
    if (seen.insert(s).second) v.push_back(s);
  }
};

/// "  … and N more WHAT; --verbose lists them" when N > 0.
void more(std::string& out, size_t n, std::string_view what) {
  if (n) out += fmt::format("  … and {} more {}; --verbose lists them\n", n, what);
}

/// "  PREFIX: line" for each of `l`, at most `cap` without --verbose, then the count left.
void add_lines(std::string& out, const Lines& l, std::string_view prefix, size_t cap, bool verbose,
               std::string_view what) {
  size_t n = verbose ? l.v.size() : std::min(cap, l.v.size());
  for (size_t i = 0; i < n; ++i) out += fmt::format("  {}: {}\n", prefix, esc(l.v[i]));
  more(out, l.v.size() - n, what);
}

/// "severity[RULE]: message" with the options' colours.
std::string rule_text(const check::Finding& f, const TextOptions& o) {
  const char* reset = o.color ? "\033[0m" : "";
  return fmt::format("{}{}[{}]:{} {}{}{}", o.color ? color_of(f.severity) : "",
                     check::severity_name(f.severity), f.rule, reset, o.color ? "\033[1m" : "",
                     esc(f.message), reset);
}

/// The first finding as a compiler diagnostic (`path:line: error[OFS203]: message [package]`),
/// with its config line under it when the reader kept it (SourceRef::text; no file is opened).
void add_header(std::string& out, const check::Finding& f, const TextOptions& o) {
  std::string loc = f.where.empty() ? std::string("ofsck") : location_text(f.where.front());
  std::string pkg = f.where.empty() || f.where.front().package.empty()
                        ? std::string()
                        : " [" + escape(f.where.front().package) + "]";
  out += fmt::format("{}{}:{} {}{}\n", o.color ? "\033[1m" : "", loc, o.color ? "\033[0m" : "",
                     rule_text(f, o), pkg);
  if (!f.where.empty() && f.where.front().line && !f.where.front().text.empty())
    out += fmt::format("    {}\n    ^\n", esc(f.where.front().text));
}

/// One block: the first finding as header, the others of the same module under it, then the
/// kernel lines, modprobe messages, locations, notes and hints of them all, each once.
void add_block(std::string& out, const std::vector<const check::Finding*>& fs,
               const TextOptions& o) {
  add_header(out, *fs.front(), o);
  size_t listed = o.verbose ? fs.size() - 1 : std::min(fs.size() - 1, kFindingsShown);
  for (size_t i = 1; i <= listed; ++i) out += "  " + rule_text(*fs[i], o) + "\n";
  more(out, fs.size() - 1 - listed, fmt::format("findings of {}", escape(fs.front()->subject)));
  Lines kernel, modprobe, notes, hints;
  std::vector<std::string> see;
  for (const check::Finding* f : fs) {
    for (const auto& k : f->kernel_messages) kernel.add(k);
    if (!f->modprobe_message.empty()) modprobe.add(f->modprobe_message);
    for (size_t i = 1; i < f->where.size(); ++i) {
      std::string s = location_text(f->where[i]) +
                      (f->where[i].package.empty() ? "" : " (" + escape(f->where[i].package) + ")");
      if (std::find(see.begin(), see.end(), s) == see.end()) see.push_back(std::move(s));
    }
    for (const auto& n : f->notes) notes.add(n);
    if (!f->hint.empty()) hints.add(f->hint);
  }
  add_lines(out, kernel, "kernel", kKernelShown, o.verbose, "kernel lines");
  for (auto m : modprobe.v) out += fmt::format("  {}\n", esc(m));
  for (const auto& s : see) out += "  note: see " + s + "\n";
  add_lines(out, notes, "note", kNotesShown, o.verbose, "notes");
  add_lines(out, hints, "hint", kNotesShown, o.verbose, "hints");
}

/// The findings in blocks: those about one module file (same primary path without a line, same
/// subject) share a block, placed where the first of them is; every other finding is its own.
std::vector<std::vector<const check::Finding*>> blocks_of(const check::CheckResult& r,
                                                          const TextOptions& o) {
  std::vector<std::vector<const check::Finding*>> blocks;
  std::map<std::pair<std::string_view, std::string_view>, size_t> by_module;
  for (const auto& f : r.findings) {
    if (f.severity == check::Severity::kNote && !o.show_notes) continue;
    if (f.where.empty() || f.where.front().line != 0 || f.where.front().path.empty()) {
      blocks.push_back({&f});
      continue;
    }
    auto [it, fresh] = by_module.try_emplace({f.where.front().path, f.subject}, blocks.size());
    if (fresh) blocks.emplace_back();
    blocks[it->second].push_back(&f);
  }
  return blocks;
}

void add_inputs(std::string& out, const check::CheckResult& r) {
  const auto& in = r.inputs;
  out += fmt::format("input: kernel: {} ({})\n", esc(in.kernel_release), esc(in.kernel_reason));
  out += fmt::format("input: kernel image: {}\n",
                     in.kernel_image.empty()
                         ? std::string("none found")
                         : escape(in.kernel_image) + " (" + escape(in.kernel_image_found_by) + ")");
  out += fmt::format("input: kernel exports: {}\n",
                     in.exports_source.empty()
                         ? std::string("none")
                         : escape(in.exports_source) + " (" + escape(in.exports_kind) + ")");
  out += fmt::format("input: modversions: {} ({}{}{})\n", in.modversions ? "yes" : "no",
                     esc(in.modversions_source.empty() ? "assumed" : in.modversions_source),
                     in.modversions_evidence.empty() ? "" : ": ", esc(in.modversions_evidence));
  out += fmt::format("input: kmod: {} ({})\n", in.kmod_version, esc(in.kmod_version_source));
  if (!in.module_insert.empty())
    out += fmt::format("input: module insert: {}\n", esc(in.module_insert));
  for (const auto& m : r.modules) {
    out += fmt::format("{} {} {}{}", m.loads ? "ok  " : "FAIL", esc(m.name), esc(m.file),
                       m.loads ? "" : " (" + escape(m.errno_name) + ")");
    for (const std::string& part : {dependency_text(m), install_text(m)})
      if (!part.empty()) out += "; " + part;
    out += "\n";
  }
}

std::string plural(size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string suppressed_text(const check::SuppressedCounts& s) {
  if (s.total() == 0) return {};
  std::string parts;
  if (s.ignored) parts = fmt::format("--ignore {}", s.ignored);
  if (s.baseline) parts += fmt::format("{}baseline {}", parts.empty() ? "" : ", ", s.baseline);
  return fmt::format("; {} suppressed ({})", s.total(), parts);
}

std::string render_text(const check::CheckResult& r, const TextOptions& o) {
  std::string out;
  for (const auto& b : blocks_of(r, o)) add_block(out, b, o);
  if (o.verbose) add_inputs(out, r);
  const check::SeverityCounts n = check::count_severities(r.findings);
  out += render_file_verdicts(r, o);
  size_t loading = 0;
  for (const auto& m : r.modules) loading += m.loads;
  out += fmt::format("ofsck: {} {}: {} modules, {} load, {} fail; {}, {}, {}{}\n",
                     esc(r.inputs.kernel_release), esc(r.inputs.root), r.modules.size(), loading,
                     r.modules.size() - loading, plural(n.errors, "error"),
                     plural(n.warnings, "warning"), plural(n.notes, "note"),
                     suppressed_text(r.suppressed));
  return terminal_safe(out);
}

}  // namespace ofsck::report
