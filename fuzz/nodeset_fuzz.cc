/// libFuzzer target: node sets (model/nodeset expand, then fold and expand again: the same names
/// in the same order).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/nodeset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // A small cap keeps every input fast; the cap itself is what is under test at the limit.
  auto names_or = ofsck::model::nodeset::expand(text, 10'000);
  if (!names_or) return 0;
  std::string folded = ofsck::model::nodeset::fold(*names_or);
  auto again_or = ofsck::model::nodeset::expand(folded, 10'000);
  if (!again_or || *again_or != *names_or) __builtin_trap();
  return 0;
}
