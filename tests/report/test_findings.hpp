// Findings built by hand for the report tests (the renderers take values only).
#pragma once

#include <string>
#include <utility>

#include "check/finding.hpp"

namespace ofsck::report::fixture {

/// A warning of `rule` about `subject` with one location, at `path`.
inline check::Finding warning_at(std::string rule, std::string subject, std::string message,
                                 std::string path) {
  check::Finding f;
  f.rule = std::move(rule);
  f.severity = check::Severity::kWarning;
  f.subject = std::move(subject);
  f.message = std::move(message);
  f.where.push_back(SourceRef{});
  f.where.back().path = std::move(path);
  return f;
}

}  // namespace ofsck::report::fixture
