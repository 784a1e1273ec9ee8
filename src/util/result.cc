#include "util/result.hpp"

#include <fmt/format.h>

namespace ofsck {

std::string to_string(const Error& e) {
  std::string loc = e.where.path;
  if (e.where.line != 0) loc += fmt::format(":{}", e.where.line);
  if (!e.where.section.empty()) loc += fmt::format(" [{}]", e.where.section);
  if (e.where.offset != SourceRef::kNoOffset) loc += fmt::format("+0x{:x}", e.where.offset);
  if (loc.empty()) return e.message;
  return loc + ": " + e.message;
}

}  // namespace ofsck
