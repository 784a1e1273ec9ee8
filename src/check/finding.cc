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

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
}

void replace_all(Finding& f, const std::string& from, const std::string& to) {
  replace_all(f.subject, from, to);
  replace_all(f.message, from, to);
  replace_all(f.modprobe_message, from, to);
  replace_all(f.hint, from, to);
  for (auto& w : f.where) replace_all(w.path, from, to);
  for (auto& k : f.kernel_messages) replace_all(k, from, to);
  for (auto& n : f.notes) replace_all(n, from, to);
  for (auto& kv : f.fields) replace_all(kv.second, from, to);
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

SeverityCounts count_severities(const std::vector<Finding>& findings) {
  SeverityCounts c;
  for (const auto& f : findings) {
    c.errors += f.severity == Severity::kError;
    c.warnings += f.severity == Severity::kWarning;
    c.notes += f.severity == Severity::kNote;
  }
  return c;
}

}  // namespace ofsck::check
