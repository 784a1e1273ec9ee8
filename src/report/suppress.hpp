#pragma once
/// Suppression, on values: findings in, the findings kept and the numbers left out
/// (CheckResult::suppressed) out. Nothing here opens a file.
///  - IgnoreRule: --ignore RULE[:SUBJECT] and the config file's `ignore =` lines. RULE is a rule
///    id (OFS105) or its catalogue name (config-bad-line); SUBJECT, when given, equals the
///    finding's subject (a module name, or a file as the finding names it).
///  - Baseline: findings accepted earlier (--baseline FILE), one entry per line, keyed by rule,
///    subject and message: never a line number or a host path, so that an entry matches the same
///    finding in later runs, after unrelated config lines moved, and under another mount point
///    of the same root.
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "check/result.hpp"
#include "util/result.hpp"

namespace ofsck::report {

struct IgnoreRule {
  std::string rule;     ///< rule id, e.g. "OFS105"
  std::string subject;  ///< empty: every subject
};

/// "RULE" or "RULE:SUBJECT" (split at the first ':'). An unknown rule is a kUsage error.
[[nodiscard]] Result<IgnoreRule> parse_ignore(std::string_view text);

struct Baseline {
  std::string path;
  std::unordered_set<std::string> entries;
};

/// The first line of every baseline file.
inline constexpr std::string_view kBaselineHeader = "# ofsck baseline 1";

/// The baseline entry of `f`: "RULE<TAB>SUBJECT<TAB>MESSAGE", each field escaped
/// (report/escape.hpp, a tab as \x09), with `root` (unless "/" or "") cut out of both texts.
[[nodiscard]] std::string baseline_entry(const check::Finding& f, std::string_view root);

/// Parses a baseline file: kBaselineHeader, then '#' comments, blank lines and entries (lines
/// with exactly two tabs). Errors (kMalformed) name path:line.
[[nodiscard]] Result<Baseline> parse_baseline(std::string_view text, std::string path);

/// The baseline file of `findings`: the header, a comment, then the sorted unique entries.
[[nodiscard]] std::string render_baseline(const std::vector<check::Finding>& findings,
                                          std::string_view root);

/// Removes from `findings` those an ignore rule or the baseline (nullptr: none) matches, and
/// adds their numbers to `counts` (an ignore rule counts first when both match). Order kept.
void suppress(std::vector<check::Finding>& findings, std::string_view root,
              const std::vector<IgnoreRule>& ignore, const Baseline* baseline,
              check::SuppressedCounts& counts);

/// suppress() over r.findings into r.suppressed, with r.inputs.root.
void suppress(check::CheckResult& r, const std::vector<IgnoreRule>& ignore,
              const Baseline* baseline);

}  // namespace ofsck::report
