// OFS113 stock-kernel-quirk, e.g. on Debian's 6.1 kernels (modules.softdep written by depmod):
//   softdep cifs gcm
// kmod's modprobe ignores the word: "softdep cifs: 1 word(s) before any 'pre:'/'post:' are
// ignored by kmod" eleven times, for a file nobody edits. One note says it instead.
#include "check/rules/stock_quirks.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "check/rules/packages.hpp"

namespace ofsck::check {

namespace {

/// The module name and the rest of a "softdep NAME REST" line, blanks trimmed.
bool split_softdep(std::string_view line, std::string_view& name, std::string_view& rest) {
  constexpr std::string_view kBlanks = " \t";
  auto next = [&](std::string_view& s) {
    size_t b = s.find_first_not_of(kBlanks);
    if (b == std::string_view::npos) return std::string_view();
    size_t e = std::min(s.find_first_of(kBlanks, b), s.size());
    std::string_view t = s.substr(b, e - b);
    s.remove_prefix(e);
    return t;
  };
  if (next(line) != "softdep") return false;
  name = next(line);
  size_t b = line.find_first_not_of(kBlanks), e = line.find_last_not_of(kBlanks);
  rest = b == std::string_view::npos ? std::string_view() : line.substr(b, e - b + 1);
  return !name.empty() && !rest.empty();
}

/// True when the line is the kernel's own: the winning file of `name` is an in-tree build under
/// kernel/, owned by a package when there is a database, and declares `rest` as softdep=.
bool kernels_own(const Node& p, const std::optional<read::PackageDb>& packages,
                 std::string_view name, std::string_view rest) {
  const auto& res = p.resolution;
  auto it = res.module_by_name.find(std::string(name));
  if (it == res.module_by_name.end()) return false;
  const auto& m = res.modules[static_cast<size_t>(it->second)];
  if (!m.module || !m.module->info.intree) return false;
  const auto& file = res.files[m.file];
  if (file.external >= 0 || !file.relpath.starts_with("kernel/")) return false;
  if (packages && package_of(p, *packages, file.path) == kNoPackage) return false;
  const auto& sd = m.module->info.softdep;
  return std::find(sd.begin(), sd.end(), rest) != sd.end();
}

}  // namespace

void fold_stock_quirks(const Node& p, const std::optional<read::PackageDb>& packages,
                       std::vector<Finding>& findings) {
  const std::string softdep_file =
      p.module_dir.substr(std::min(p.root.size(), p.module_dir.size())) + "/modules.softdep";
  std::vector<std::string> lines;
  std::set<std::string> modules;
  auto quirk = [&](const Finding& f) {
    if (f.rule != kConfigBadLine || f.where.empty()) return false;
    const SourceRef& w = f.where.front();
    std::string_view name, rest;
    if (w.path != softdep_file || !split_softdep(w.text, name, rest)) return false;
    if (!kernels_own(p, packages, name, rest)) return false;
    lines.push_back(fmt::format("line {}: {}", w.line, w.text));
    modules.emplace(name);
    return true;
  };
  findings.erase(std::remove_if(findings.begin(), findings.end(), quirk), findings.end());
  if (lines.empty()) return;
  std::string names;
  for (const auto& m : modules) names += (names.empty() ? "" : ", ") + m;
  Finding f = make_finding(
      kStockKernelQuirk, softdep_file,
      fmt::format("{} line{} that depmod generated from the kernel's own modules ({}) name soft "
                  "dependencies without 'pre:'/'post:': kmod ignores them, so modprobe loads "
                  "none of those first (a quirk of the stock kernel, not of this system)",
                  lines.size(), lines.size() == 1 ? "" : "s", names));
  f.where.push_back(SourceRef{softdep_file});
  f.notes = std::move(lines);
  findings.push_back(std::move(f));
}

}  // namespace ofsck::check
