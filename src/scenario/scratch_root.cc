// absolute_root(), pin_host_inputs(), on_scratch(), check_node() (scenario/scratch_root.hpp).
#include "scenario/scratch_root.hpp"

#include <filesystem>

#include "check/rules/packages.hpp"
#include "read/text/kcmdline.hpp"
#include "scenario/prove_hints.hpp"

namespace ofsck::scenario {

namespace fs = std::filesystem;

Result<std::string> absolute_root(const std::string& root) {
  if (root.empty() || root == "/") return std::string();
  std::error_code ec;
  std::string abs = fs::absolute(root, ec).lexically_normal().string();
  while (abs.size() > 1 && abs.ends_with("/")) abs.pop_back();
  if (!fs::is_directory(abs, ec))
    return make_error(ErrorCode::kNotFound, "root is not a directory", {root});
  return abs;
}

void pin_host_inputs(check::NodeSpec& s, const std::string& orig) {
  s.cmdline = read::node_cmdline_text(orig, s.cmdline);
}

NodeInputs on_scratch(NodeInputs in, const std::string& scratch, const std::string& orig) {
  pin_host_inputs(in.spec, orig);
  in.spec.root = scratch;
  in.rs.cache_alias_from = scratch;
  in.rs.cache_alias_to = orig;
  return in;
}

Result<check::CheckResult> check_node(NodeInputs in, const std::string& root,
                                      const std::string& kver,
                                      const read::PackageChanges* changes) {
  in.spec.root = root.empty() ? "/" : root;
  in.spec.kver = kver;
  auto node = check::prepare(in.spec, in.rs);
  if (!node) return tl::unexpected(node.error());
  if (changes && node->packages) check::apply_changes(*node, *node->packages, *changes);
  check::CheckResult r = check::evaluate(*node, in.eo);
  prove_hints(*node, in.eo, r.findings);  // hints proven on this node, as `check` does
  if (node->verified_signatures) node->verified_signatures->save();
  return r;
}

}  // namespace ofsck::scenario
