#include "report/state_file.hpp"

#include <string_view>

#include <fmt/format.h>

#include "check/finding.hpp"
#include "report/escape.hpp"

namespace ofsck::report {

namespace {

/// `s` cut to kStateReasonMax bytes ("..." marks the cut), escaped: one line.
std::string one_line(std::string_view s) {
  if (s.size() <= kStateReasonMax) return escape(s);
  return escape(s.substr(0, kStateReasonMax)) + "...";
}

/// The first finding of `severity` about `subject` (any subject when empty), or nullptr.
const check::Finding* first_of(const check::CheckResult& r, check::Severity severity,
                               std::string_view subject = {}) {
  for (const auto& f : r.findings)
    if (f.severity == severity && (subject.empty() || f.subject == subject)) return &f;
  return nullptr;
}

/// What a state file says about one cause: its subject, rule and reason.
struct Cause {
  std::string subject, rule, reason;
};

Cause cause_of(const check::Finding* f) {
  return f ? Cause{f->subject, f->rule, f->message} : Cause{};
}

/// The first failing module that fails on its own (not only through a dependency), else the
/// first failing one; nullptr when every module loads.
const check::ModuleResult* first_failing(const check::CheckResult& r) {
  const check::ModuleResult* any = nullptr;
  for (const auto& m : r.modules) {
    if (m.loads) continue;
    if (m.failed_dependency.empty()) return &m;
    if (!any) any = &m;
  }
  return any;
}

/// Why the check fails: the first failing module with its own error finding (else its modprobe
/// message or errno), or, when every module loads, the first error finding.
Cause error_cause(const check::CheckResult& r) {
  const check::ModuleResult* m = first_failing(r);
  if (!m) return cause_of(first_of(r, check::Severity::kError));
  if (const check::Finding* f = first_of(r, check::Severity::kError, m->name)) return cause_of(f);
  std::string why = !m->failed_dependency.empty()
                        ? "needs " + m->failed_dependency + ", which does not load"
                    : m->modprobe_message.empty() ? m->errno_name
                                                  : m->modprobe_message;
  return Cause{m->name, "", why};
}

void append_cause(std::string& out, std::string_view subject_key, std::string_view prefix,
                  const Cause& c) {
  out += fmt::format("{} {}\n{}rule {}\n{}reason {}\n", subject_key, escape(c.subject), prefix,
                     escape(c.rule), prefix, one_line(c.reason));
}

}  // namespace

std::string render_state(const check::CheckResult& r, int64_t written) {
  const check::SeverityCounts n = check::count_severities(r.findings);
  size_t failing = 0;
  for (const auto& m : r.modules) failing += m.loads ? 0 : 1;
  std::string out = fmt::format(
      "ofsck_state {}\nkernel {}\nroot {}\nwritten {}\nverdict {}\nmodules {}\nfailing {}\n"
      "errors {}\nwarnings {}\n",
      kStateFormat, escape(r.inputs.kernel_release), escape(r.inputs.root), written,
      n.errors > 0 ? "FAIL" : "ok", r.modules.size(), failing, n.errors, n.warnings);
  append_cause(out, "first", "", n.errors > 0 ? error_cause(r) : Cause{});
  append_cause(out, "warning_subject", "warning_",
               cause_of(first_of(r, check::Severity::kWarning)));
  return out;
}

}  // namespace ofsck::report
