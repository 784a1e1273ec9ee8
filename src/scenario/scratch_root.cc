// absolute_root(), pin_host_inputs(), on_scratch() (scenario/scratch_root.hpp).
#include "scenario/scratch_root.hpp"

#include <filesystem>
#include <fstream>

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

void pin_host_inputs(check::CheckOptions& o, const std::string& orig) {
  if (o.cmdline) return;
  o.cmdline = "";
  if (!orig.empty()) return;
  std::ifstream in("/proc/cmdline");
  std::getline(in, *o.cmdline);
}

check::CheckOptions on_scratch(check::CheckOptions o, const std::string& scratch,
                               const std::string& orig) {
  pin_host_inputs(o, orig);
  o.root = scratch;
  o.cache_alias_from = scratch;
  o.cache_alias_to = orig;
  return o;
}

}  // namespace ofsck::scenario
