#include "model/module.hpp"

namespace ofsck::model {

std::string module_name_from_filename(std::string_view basename) {
  std::string out;
  for (char c : basename) {
    if (c == '.' || c == '\0') break;
    out.push_back(c == '-' ? '_' : c);
  }
  return out;
}

std::string normalize_name(std::string_view name) {
  std::string out;
  int depth = 0;
  for (char c : name) {
    if (c == '[') depth = 1;
    else if (c == ']') depth = 0;
    out.push_back(c == '-' && depth == 0 ? '_' : c);
  }
  return out;
}

}  // namespace ofsck::model
