// `ofsck snapshot`: the node's stack as plain data (snapshot.hpp). Module files are covered by
// their package's digest when their content is what the package recorded.
#include "scenario/snapshot.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "check/effective_options.hpp"
#include "scenario/snapshot_steps.hpp"

namespace ofsck::check {

namespace {

/// `path` as the node sees it: without the root prefix ("" root: unchanged).
std::string on_node(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  if (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/')
    return path.substr(root.size());
  return path;
}

std::string utc_now() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

SnapshotSummary summarize(const CheckResult& r, const std::string& root) {
  SnapshotSummary s;
  for (const auto& m : r.modules) {
    if (m.given) continue;
    ++s.modules;
    if (!m.loads) ++s.failing;
  }
  for (const auto& f : r.findings) {
    if (f.severity == Severity::kWarning) ++s.warnings;
    if (f.severity != Severity::kError) continue;
    if (s.errors++ == 0) s.first = on_node(root, f.subject) + ":" + f.rule;
  }
  s.ok = s.errors == 0;  // as `check` exits: a failing module the site suppressed is accepted
  return s;
}

std::vector<SnapshotFinding> findings_of(const CheckResult& r, const std::string& root) {
  std::vector<SnapshotFinding> out;
  for (const auto& f : r.findings)
    out.push_back({f.rule, std::string(severity_name(f.severity)), on_node(root, f.subject)});
  std::sort(out.begin(), out.end(), [](const SnapshotFinding& a, const SnapshotFinding& b) {
    return std::tie(a.rule, a.subject, a.severity) < std::tie(b.rule, b.subject, b.severity);
  });
  return out;
}

/// Every effective option of every module that has one: module names from the modprobe.d
/// `options` lines and the command line, sorted.
std::vector<SnapshotOption> options_of(const Node& node) {
  std::set<std::string> names;
  for (const auto& o : node.modprobe_config.options) names.insert(o.modname);
  for (const auto& [mod, opt] : node.cmdline.module_params) names.insert(mod);
  std::vector<SnapshotOption> out;
  for (const auto& name : names)
    for (auto& o : effective_options(node, name)) {
      std::string src = on_node(node.root, o.where.path);
      if (o.where.line) src += fmt::format(":{}", o.where.line);
      out.push_back(
          {name, o.param, o.has_value ? std::optional<std::string>(o.value) : std::nullopt, src});
    }
  return out;
}

}  // namespace

std::string default_node_name(const std::string& root) {
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  if (r.empty() || r == "/") {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0]) return host;
    return "localhost";
  }
  std::error_code ec;
  std::string abs = std::filesystem::absolute(r, ec).lexically_normal().string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  return std::filesystem::path(abs).filename().string();
}

Snapshot build_snapshot(const Node& node, const CheckResult& result, const SnapshotInputs& in) {
  Snapshot s;
  s.node = in.node.empty() ? default_node_name(node.root) : in.node;
  s.taken = utc_now();
  s.ofsck = in.ofsck;
  s.kernel = result.inputs.kernel_release;
  s.kmod = std::to_string(result.inputs.kmod_version);
  s.live = in.live.has_value();
  s.summary = summarize(result, node.root);
  s.findings = findings_of(result, node.root);
  add_module_files(node, result, in, s);
  s.options = options_of(node);
  if (in.live) {
    auto loaded = read::read_loaded_modules(*in.live);
    if (loaded) {
      s.loaded = std::move(*loaded);
      s.running_drift = running_drift(node, s.loaded);
    } else {
      s.problems.push_back(to_string(loaded.error()) + " (loaded modules not known)");
    }
  }
  return s;
}

}  // namespace ofsck::check
