#include <algorithm>

#include <nlohmann/json.hpp>

#include "report/json_dump.hpp"
#include "report/render.hpp"

namespace ofsck::report {

namespace {
using nlohmann::ordered_json;

/// Fields that a rule may set several times: always a JSON array.
bool is_list_field(std::string_view key) {
  return key == "firmware" || key == "dependents" || key == "symbols" || key == "modules";
}

ordered_json location(const SourceRef& w, const PathRule& rule) {
  ordered_json j;
  bool in_root = false;
  j["path"] = rule.node_path(w.path, &in_root);
  j["in_root"] = in_root;
  j["line"] = w.line ? ordered_json(w.line) : ordered_json(nullptr);
  if (!w.section.empty()) j["section"] = w.section;
  if (w.offset != SourceRef::kNoOffset) j["offset"] = w.offset;
  j["package"] = null_if_empty(w.package);
  return j;
}

/// ModuleResult::own: null unless a dependency failed.
ordered_json own_json(const check::ModuleResult& m) {
  if (!m.own) return nullptr;
  ordered_json km = ordered_json::array();
  for (const auto& l : m.own->kernel_messages)
    km.push_back({{"text", l.text}, {"once_per_boot", l.once_per_boot}});
  return {{"loads", m.own->loads},
          {"errno", null_if_empty(m.own->errno_name)},
          {"stage", null_if_empty(m.own->stage)},
          {"certain", m.own->certain},
          {"kernel_messages", km}};
}

/// ModuleResult::install: null without an `install` command in the chain.
ordered_json install_json(const check::ModuleResult& m) {
  if (!m.install) return nullptr;
  return {{"module", m.install->module},
          {"command", m.install->command},
          // modprobe.d paths are named as the node sees them already.
          {"location", location(m.install->where, PathRule("/", {}))}};
}

ordered_json fields_json(const check::Finding& f, const PathRule& rule) {
  ordered_json j = ordered_json::object();
  for (const auto& [k, v] : f.fields) {
    const std::string value = k.ends_with("_file") ? rule.node_path(v) : v;
    if (!is_list_field(k)) j[k] = value;
    else j[k].push_back(value);  // null becomes an array
  }
  return j;
}
}  // namespace

PathRule::PathRule(std::string_view root, std::vector<std::string> host_paths)
    : root_(root), host_(std::move(host_paths)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (root_.empty()) root_ = "/";
}

std::string PathRule::node_path(const std::string& path, bool* in_root) const {
  const bool prefixed = root_ != "/" && path.starts_with(root_) &&
                        (path.size() == root_.size() || path[root_.size()] == '/');
  if (in_root) {
    // Configuration files are named as the node sees them already; the host's own inputs and
    // pseudo-locations ("(kernel command line)", IMAGE!member) are not on the node.
    bool host = std::find(host_.begin(), host_.end(), path) != host_.end();
    *in_root = prefixed || (path.starts_with('/') && !host && path.find('!') == path.npos);
  }
  if (!prefixed) return path;
  return path.size() == root_.size() ? std::string("/") : path.substr(root_.size());
}

ordered_json finding_json(const check::Finding& f, const PathRule& rule) {
  ordered_json locs = ordered_json::array();
  for (const auto& w : f.where) locs.push_back(location(w, rule));
  return {{"rule", f.rule},
          {"severity", std::string(check::severity_name(f.severity))},
          {"subject", f.subject},
          {"message", f.message},
          {"locations", locs},
          {"fields", fields_json(f, rule)},
          {"kernel_messages", f.kernel_messages},
          {"modprobe_message", null_if_empty(f.modprobe_message)},
          {"notes", f.notes},
          {"hint", null_if_empty(f.hint)}};
}

ordered_json module_json(const check::ModuleResult& m) {
  ordered_json km = ordered_json::array();
  for (const auto& l : m.kernel_messages)
    km.push_back({{"text", l.text}, {"once_per_boot", l.once_per_boot}});
  return {{"name", m.name},
          {"file", m.file},
          {"loads", m.loads},
          {"errno", null_if_empty(m.errno_name)},
          {"kernel_messages", km},
          {"failed_dependency", null_if_empty(m.failed_dependency)},
          {"taints", m.taints},
          {"modprobe_message", null_if_empty(m.modprobe_message)},
          {"load_order", m.load_order},
          {"own", own_json(m)},
          {"install", install_json(m)}};
}

ordered_json check_result_json(const check::CheckResult& r, std::vector<std::string> host) {
  ordered_json doc;
  doc["schema"] = kJsonSchemaVersion;
  doc["tool"] = "ofsck";
  const auto& in = r.inputs;
  doc["inputs"] = {{"root", in.root},
                   {"kernel_release", in.kernel_release},
                   {"kernel_source", in.kernel_source},
                   {"kernel_reason", in.kernel_reason},
                   {"running_kernel", null_if_empty(in.running_kernel)},
                   {"module_dir", in.module_dir},
                   {"vermagic", in.vermagic},
                   {"exports_source", null_if_empty(in.exports_source)},
                   {"exports_have_crcs", in.exports_have_crcs},
                   {"exports_kind", in.exports_kind},
                   {"trusted_certificates", in.trusted_certificates},
                   {"kernel_image_read", in.kernel_image_read},
                   {"cmdline", in.cmdline},
                   {"module_files", in.module_files},
                   {"kernel_image", null_if_empty(in.kernel_image)},
                   {"kernel_image_found_by", in.kernel_image_found_by},
                   {"modversions", in.modversions},
                   {"modversions_source", in.modversions_source},
                   {"modversions_evidence", in.modversions_evidence},
                   {"kmod_version", in.kmod_version},
                   {"kmod_version_source", in.kmod_version_source},
                   {"module_insert", in.module_insert}};
  // Host files outside the root: --symvers/--system-map and the given FILEs.
  if (!in.exports_source.empty()) host.push_back(in.exports_source);
  for (const auto& m : r.modules)
    if (m.given) host.push_back(m.file);
  const PathRule rule(in.root, std::move(host));
  size_t loading = 0;
  ordered_json mods = ordered_json::array();
  for (const auto& m : r.modules) {
    if (m.loads) ++loading;
    mods.push_back(module_json(m));
  }
  ordered_json finds = ordered_json::array();
  for (const auto& f : r.findings) finds.push_back(finding_json(f, rule));
  const check::SeverityCounts n = check::count_severities(r.findings);
  doc["summary"] = {{"modules", r.modules.size()},
                    {"loading", loading},
                    {"failing", r.modules.size() - loading},
                    {"unreadable_files", r.unreadable},
                    {"errors", n.errors},
                    {"warnings", n.warnings},
                    {"notes", n.notes},
                    {"suppressed", r.suppressed.total()},
                    {"suppressed_by",
                     {{"ignore", r.suppressed.ignored}, {"baseline", r.suppressed.baseline}}}};
  doc["modules"] = std::move(mods);
  doc["findings"] = std::move(finds);
  return doc;
}

std::string render_json(const check::CheckResult& r) { return dump_json(check_result_json(r)); }

}  // namespace ofsck::report
