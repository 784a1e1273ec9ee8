/// libFuzzer target: Module.symvers (all layouts), depmod -E's view, and System.map.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "read/text/symvers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ofsck::read::ParsedSymvers s = ofsck::read::parse_symvers(text, "Module.symvers");
  std::vector<ofsck::model::ConfigProblem> problems;
  auto v = ofsck::read::depmod_symvers_view(text, "Module.symvers", &problems);
  auto m = ofsck::read::parse_system_map(text, "System.map");
  (void)s;
  (void)v;
  (void)m;
  return 0;
}
