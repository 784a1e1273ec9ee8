#pragma once
/// The one way report/ and cli/ write JSON: strings escaped by the rule of escape.hpp, so that a
/// file name or a config line that is not UTF-8 never aborts the report (nlohmann's
/// type_error.316) and loses no byte.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "check/result.hpp"

namespace ofsck::report {

/// `doc` as text (indent 2, final newline) after every string in it, object keys included, went
/// through escape(). Build documents with raw strings and call this once, at the end.
std::string dump_json(nlohmann::ordered_json doc);

/// JSON null for an empty string (a value that is absent), else the string.
inline nlohmann::ordered_json null_if_empty(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

/// The one rule for paths in JSON findings (docs/json-schema.md, "Paths"): a file on the
/// inspected node is named as the node sees it, relative to the root with a leading '/'
/// ("/etc/modprobe.d/x.conf", "/lib/modules/K/updates/x.ko"); a host file outside the root (a
/// --symvers file, a positional FILE, an image member IMAGE!path) keeps its host path.
class PathRule {
 public:
  /// `host_paths`: the inputs given on the host (never on the node unless under `root`).
  explicit PathRule(std::string_view root, std::vector<std::string> host_paths = {});
  /// `path` by the rule; *in_root (when given) is true for a file on the node.
  [[nodiscard]] std::string node_path(const std::string& path, bool* in_root = nullptr) const;

 private:
  std::string root_;
  std::vector<std::string> host_;
};

/// One finding as in `check --format json`: locations and "_file" fields by `rule`.
nlohmann::ordered_json finding_json(const check::Finding& f, const PathRule& rule);

/// One module verdict as in `check --format json` ("modules").
nlohmann::ordered_json module_json(const check::ModuleResult& m);

/// The document of render_json() before escaping, for reports that embed it (image, whatif).
/// `host`: more host inputs named in findings (the image file of `image`), see PathRule.
nlohmann::ordered_json check_result_json(const check::CheckResult& r,
                                         std::vector<std::string> host = {});

}  // namespace ofsck::report
