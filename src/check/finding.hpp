#pragma once
/// Findings are the product: plain data that every renderer (text, JSON) prints as is.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace ofsck::check {

enum class Severity { kNote = 0, kWarning = 1, kError = 2 };

std::string_view severity_name(Severity s);

/// A one-line change of the configuration that a hint could propose. check/ only names the
/// candidates; a hint proposes one only after scenario/prove_hints applied it to a private
/// overlay of the root and found the problem gone with no new error.
struct ConfigEdit {
  SourceRef where;    ///< the line to replace (path absolute on the root; line 1-based; 0: add)
  std::string line;   ///< its replacement
  std::string label;  ///< what it does, e.g. "pointing it at extra"
};

/// One diagnostic. `rule` is a stable id (docs/rules.md), e.g. "OFS201".
struct Finding {
  std::string rule;
  Severity severity = Severity::kError;
  std::string subject;           ///< module name, file or config the finding is about
  std::vector<SourceRef> where;  ///< first = primary location (config line, module file)
  std::string message;           ///< one line, what is wrong
  std::vector<std::string> kernel_messages;  ///< exact dmesg lines this will produce
  std::string modprobe_message;              ///< what modprobe prints, if it fails
  std::vector<std::string> notes;  ///< cause chain: who won, who lost, what it was built against
  std::string hint;                ///< how to fix it
  std::vector<ConfigEdit> edits;   ///< candidate fixes to prove (not rendered; see ConfigEdit)
  /// The facts behind `message` as key/value pairs, in the order the rule set them, for
  /// automation (docs/json-schema.md lists the keys): "symbol", "expected_crc" ("0x%08x"),
  /// "found_crc", "provider" (a module name or "vmlinux"), "module", "param", ... A key ending
  /// in "_file" holds a path; "firmware" and "dependents" may repeat (JSON renders them as lists).
  std::vector<std::pair<std::string, std::string>> fields;

  /// Appends the field `key` = `value`.
  void set(std::string key, std::string value) {
    fields.emplace_back(std::move(key), std::move(value));
  }
};

/// Replaces every occurrence of `from` by `to` in `s` (e.g. a private temp dir by the path the
/// user knows).
void replace_all(std::string& s, const std::string& from, const std::string& to);
/// replace_all() over every string of a finding that can carry a path.
void replace_all(Finding& f, const std::string& from, const std::string& to);

/// How many findings of each severity.
struct SeverityCounts {
  size_t errors = 0, warnings = 0, notes = 0;
};
[[nodiscard]] SeverityCounts count_severities(const std::vector<Finding>& findings);

/// Collects findings; drops exact duplicates and sorts deterministically (severity desc, path,
/// line, rule, subject) so that output never depends on thread count.
class DiagnosticSink {
 public:
  void add(Finding f) { findings_.push_back(std::move(f)); }
  /// Sorted, de-duplicated findings.
  [[nodiscard]] std::vector<Finding> take();
  [[nodiscard]] size_t size() const { return findings_.size(); }

 private:
  std::vector<Finding> findings_;
};

}  // namespace ofsck::check
