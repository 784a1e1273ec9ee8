#include "report/suppress.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "report/escape.hpp"

namespace ofsck::report {

namespace {

/// escape() with the tab written as \x09, so that a field never holds the separator.
std::string field(std::string_view s) {
  std::string e = escape(s);
  std::string out;
  out.reserve(e.size());
  for (char c : e) {
    if (c == '\t') out += "\\x09";
    else out += c;
  }
  return out;
}

/// `s` without the occurrences of `root`.
std::string without_root(std::string s, std::string_view root) {
  if (root.empty() || root == "/") return s;
  for (size_t pos = 0; (pos = s.find(root, pos)) != std::string::npos;) s.erase(pos, root.size());
  return s;
}

bool ignored(const check::Finding& f, const std::vector<IgnoreRule>& ignore) {
  for (const auto& i : ignore)
    if (i.rule == f.rule && (i.subject.empty() || i.subject == f.subject)) return true;
  return false;
}

}  // namespace

Result<IgnoreRule> parse_ignore(std::string_view text) {
  size_t colon = text.find(':');
  std::string_view rule = text.substr(0, colon);
  IgnoreRule out;
  for (const auto& r : check::rule_catalogue())
    if (r.id == rule || r.name == rule) out.rule = std::string(r.id);
  if (out.rule.empty())
    return make_error(ErrorCode::kUsage,
                      fmt::format("--ignore {}: no rule '{}' (`ofsck rules` lists them)",
                                  escape(text), escape(rule)));
  if (colon != std::string_view::npos) {
    out.subject = std::string(text.substr(colon + 1));
    if (out.subject.empty())
      return make_error(ErrorCode::kUsage,
                        fmt::format("--ignore {}: empty subject after ':'", escape(text)));
  }
  return out;
}

std::string baseline_entry(const check::Finding& f, std::string_view root) {
  return fmt::format("{}\t{}\t{}", field(f.rule), field(without_root(f.subject, root)),
                     field(without_root(f.message, root)));
}

Result<Baseline> parse_baseline(std::string_view text, std::string path) {
  Baseline b;
  b.path = std::move(path);
  uint32_t number = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    if (number == 1) {
      if (line != kBaselineHeader)
        return make_error(ErrorCode::kMalformed,
                          fmt::format("not an ofsck baseline: the first line is not '{}'",
                                      kBaselineHeader),
                          SourceRef{b.path, 1});
      continue;
    }
    if (line.empty() || line.front() == '#') continue;
    if (std::count(line.begin(), line.end(), '\t') != 2)
      return make_error(ErrorCode::kMalformed,
                        "expected RULE<tab>SUBJECT<tab>MESSAGE (written by --write-baseline)",
                        SourceRef{b.path, number});
    b.entries.emplace(line);
  }
  if (number == 0)
    return make_error(ErrorCode::kMalformed, "empty file: not an ofsck baseline",
                      SourceRef{b.path});
  return b;
}

std::string render_baseline(const std::vector<check::Finding>& findings, std::string_view root) {
  std::vector<std::string> entries;
  entries.reserve(findings.size());
  for (const auto& f : findings) entries.push_back(baseline_entry(f, root));
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  std::string out = fmt::format(
      "{}\n# Findings accepted: `ofsck check --baseline FILE` does not report them.\n"
      "# One per line: rule, subject, message (tab-separated). Rewrite with --write-baseline.\n",
      kBaselineHeader);
  for (const auto& e : entries) out += e + '\n';
  return out;
}

void suppress(std::vector<check::Finding>& findings, std::string_view root,
              const std::vector<IgnoreRule>& ignore, const Baseline* baseline,
              check::SuppressedCounts& counts) {
  if (ignore.empty() && (!baseline || baseline->entries.empty())) return;
  auto dropped = [&](const check::Finding& f) {
    if (ignored(f, ignore)) {
      ++counts.ignored;
      return true;
    }
    if (baseline && baseline->entries.count(baseline_entry(f, root))) {
      ++counts.baseline;
      return true;
    }
    return false;
  };
  findings.erase(std::remove_if(findings.begin(), findings.end(), dropped), findings.end());
}

void suppress(check::CheckResult& r, const std::vector<IgnoreRule>& ignore,
              const Baseline* baseline) {
  suppress(r.findings, r.inputs.root, ignore, baseline, r.suppressed);
}

}  // namespace ofsck::report
