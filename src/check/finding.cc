#include "check/finding.hpp"

#include <algorithm>
#include <tuple>

namespace ofsck::check {

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::kNote: return "note";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "error";
}

namespace {
auto key(const Finding& f) {
  static const SourceRef kNone;
  const SourceRef& w = f.where.empty() ? kNone : f.where.front();
  return std::tie(w.path, w.line, f.rule, f.subject, f.message);
}
}  // namespace

std::vector<Finding> DiagnosticSink::take() {
  std::vector<Finding> out = std::move(findings_);
  findings_.clear();
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return key(a) < key(b);
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Finding& a, const Finding& b) {
                          return a.severity == b.severity && key(a) == key(b) &&
                                 a.kernel_messages == b.kernel_messages;
                        }),
            out.end());
  return out;
}

}  // namespace ofsck::check
