#include "report/whatif.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/escape.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

namespace {

/// render_text() of a finding list without its summary line. Config lines come with the
/// findings (SourceRef::text), so neither the overlay nor the root is reopened.
std::string findings_text(const std::vector<check::Finding>& fs, const TextOptions& o) {
  check::CheckResult r;
  r.findings = fs;
  TextOptions t = o;
  t.verbose = false;
  std::string s = render_text(r, t);
  size_t cut = s.rfind('\n', s.size() >= 2 ? s.size() - 2 : 0);
  return cut == std::string::npos ? std::string() : s.substr(0, cut + 1);
}

size_t errors_in(const std::vector<check::Finding>& fs) {
  size_t n = 0;
  for (const auto& f : fs) n += f.severity == check::Severity::kError;
  return n;
}

std::string verdict(bool loads, const std::string& err) {
  return loads ? "loads" : "FAILS (" + err + ")";
}

}  // namespace

std::string render_whatif_text(const check::WhatifReport& r, const TextOptions& o) {
  std::string out;
  std::string root = r.root.empty() ? "/" : r.root;
  for (const auto& i : r.installed) out += fmt::format("whatif: install {}\n", esc(i));
  for (const auto& p : r.removed) out += fmt::format("whatif: remove {}\n", esc(p));
  size_t intro = 0, fixed = 0, errs = 0, changes = 0;
  check::SuppressedCounts suppressed;
  for (const auto& k : r.kernels) {
    out += fmt::format("== {} {}{}\n", esc(k.kernel), esc(root),
                       !k.before_exists  ? " (kernel brought by the change)"
                       : !k.after_exists ? " (kernel removed by the change)"
                                         : "");
    if (!k.introduced.empty()) {
      out += "introduced:\n";
      out += findings_text(k.introduced, o);
    }
    if (!k.fixed.empty()) {
      out += "fixed:\n";
      out += findings_text(k.fixed, o);
    }
    if (!k.changes.empty()) {
      out += "verdict changes:\n";
      for (const auto& c : k.changes)
        out += fmt::format("  {}: {} -> {} ({})\n", esc(c.name),
                           esc(verdict(c.before_loads, c.before_errno)),
                           esc(verdict(c.after_loads, c.after_errno)), esc(c.after_file));
    }
    if (!k.winner_changes.empty()) {
      out += "winner changes:\n";
      for (const auto& c : k.winner_changes)
        out += fmt::format("  {}: {} -> {}\n", esc(c.name), esc(c.before_file), esc(c.after_file));
    }
    intro += k.introduced.size();
    fixed += k.fixed.size();
    errs += errors_in(k.introduced);
    changes += k.changes.size();
    suppressed.ignored += k.suppressed.ignored;
    suppressed.baseline += k.suppressed.baseline;
  }
  out += fmt::format("ofsck whatif {}: {} kernel{}; {} introduced ({} error{}), {} fixed, {} "
                     "verdict change{}{}\n",
                     esc(root), r.kernels.size(), r.kernels.size() == 1 ? "" : "s", intro, errs,
                     errs == 1 ? "" : "s", fixed, changes, changes == 1 ? "" : "s",
                     suppressed_text(suppressed));
  return terminal_safe(out);
}

std::string render_whatif_json(const check::WhatifReport& r) {
  using nlohmann::ordered_json;
  const std::string root = r.root.empty() ? "/" : r.root;
  auto as_json = [&root](const std::vector<check::Finding>& fs, const std::string& kernel,
                         ordered_json& into) {
    for (const auto& f : fs) {
      ordered_json j = finding_json(f, PathRule(root));
      j["kernel"] = kernel;
      into.push_back(std::move(j));
    }
  };
  ordered_json doc;
  doc["schema"] = kJsonSchemaVersion;
  doc["tool"] = "ofsck";
  doc["command"] = "whatif";
  doc["root"] = r.root.empty() ? "/" : r.root;
  doc["installed"] = r.installed;
  doc["removed"] = r.removed;
  ordered_json intro = ordered_json::array(), fixed = ordered_json::array(),
               changes = ordered_json::array(), winners = ordered_json::array(),
               kernels = ordered_json::array();
  for (const auto& k : r.kernels) {
    as_json(k.introduced, k.kernel, intro);
    as_json(k.fixed, k.kernel, fixed);
    for (const auto& c : k.changes)
      changes.push_back(
          {{"kernel", c.kernel},
           {"name", c.name},
           {"before",
            {{"loads", c.before_loads}, {"errno", c.before_errno}, {"file", c.before_file}}},
           {"after",
            {{"loads", c.after_loads}, {"errno", c.after_errno}, {"file", c.after_file}}}});
    for (const auto& c : k.winner_changes)
      winners.push_back({{"kernel", c.kernel},
                         {"name", c.name},
                         {"before", c.before_file},
                         {"after", c.after_file}});
    kernels.push_back({{"kernel_release", k.kernel},
                       {"before_exists", k.before_exists},
                       {"after_exists", k.after_exists},
                       {"modules_before", k.before_modules},
                       {"modules_after", k.after_modules},
                       {"introduced", k.introduced.size()},
                       {"introduced_errors", errors_in(k.introduced)},
                       {"fixed", k.fixed.size()},
                       {"suppressed", k.suppressed.total()},
                       {"suppressed_by",
                        {{"ignore", k.suppressed.ignored}, {"baseline", k.suppressed.baseline}}}});
  }
  doc["kernels"] = std::move(kernels);
  doc["introduced"] = std::move(intro);
  doc["fixed"] = std::move(fixed);
  doc["verdict_changes"] = std::move(changes);
  doc["winner_changes"] = std::move(winners);
  return dump_json(std::move(doc));
}

}  // namespace ofsck::report
