#pragma once
/// Renderers of a CheckResult. They compute nothing: every string comes from check/.
#include <string>

#include "check/result.hpp"

namespace ofsck::report {

struct TextOptions {
  bool color = false;      ///< ANSI colours (only on a TTY)
  bool verbose = false;    ///< also list every module verdict
  bool show_notes = true;  ///< include note-severity findings
};

/// Compiler-style diagnostics: `path:line: error[OFS203]: message`, the config line, kernel
/// messages, notes, hint; then a one-line summary.
std::string render_text(const check::CheckResult& r, const TextOptions& o = {});

/// JSON document, schema docs/json-schema.md (field "schema": kJsonSchemaVersion).
std::string render_json(const check::CheckResult& r);

inline constexpr int kJsonSchemaVersion = 3;

}  // namespace ofsck::report
