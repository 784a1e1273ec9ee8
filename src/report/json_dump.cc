#include "report/json_dump.hpp"

#include "report/escape.hpp"

namespace ofsck::report {

namespace {

using nlohmann::ordered_json;

void escape_strings(ordered_json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (needs_escape(s)) j = escape(s);
  } else if (j.is_array()) {
    for (auto& e : j) escape_strings(e);
  } else if (j.is_object()) {
    bool keys = false;
    for (auto it = j.begin(); it != j.end(); ++it) {
      keys = keys || needs_escape(it.key());
      escape_strings(it.value());
    }
    if (!keys) return;
    ordered_json o = ordered_json::object();  // same order, escaped keys
    for (auto it = j.begin(); it != j.end(); ++it) o[escape(it.key())] = std::move(it.value());
    j = std::move(o);
  }
}

}  // namespace

std::string dump_json(ordered_json doc) {
  escape_strings(doc);
  return doc.dump(2) + "\n";
}

}  // namespace ofsck::report
