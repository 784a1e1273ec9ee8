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
/// messages, notes, hint; then a one-line summary. The findings about one module file (same
/// primary path, no line, same subject) form one block: the first as header, the others listed
/// under it, and their kernel/modprobe lines, notes and hints once each. Without `verbose`, a
/// block shows at most 5 further findings, 12 kernel lines and 8 notes or hints, then
/// "… and N more ...; --verbose lists them". The summary ends with the suppressed findings
/// ("; 3 suppressed (--ignore 2, baseline 1)") when there are any.
std::string render_text(const check::CheckResult& r, const TextOptions& o = {});

/// "; N suppressed (--ignore I, baseline B)", or "" when nothing was suppressed.
std::string suppressed_text(const check::SuppressedCounts& s);

/// JSON document, schema docs/json-schema.md (field "schema": kJsonSchemaVersion).
std::string render_json(const check::CheckResult& r);

inline constexpr int kJsonSchemaVersion = 3;

}  // namespace ofsck::report
