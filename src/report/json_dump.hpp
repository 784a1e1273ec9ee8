#pragma once
/// The one way report/ and cli/ write JSON: strings escaped by the rule of escape.hpp, so that a
/// file name or a config line that is not UTF-8 never aborts the report (nlohmann's
/// type_error.316) and loses no byte.
#include <string>

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

/// The document of render_json() before escaping, for reports that embed it (image, whatif).
nlohmann::ordered_json check_result_json(const check::CheckResult& r);

}  // namespace ofsck::report
