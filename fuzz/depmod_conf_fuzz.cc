/// libFuzzer target: depmod.d parsing (line joining, tokenising, kver regex matching).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "read/text/depmod_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ofsck::model::ConfigFile f;
  f.path = f.display_path = "/etc/depmod.d/fuzz.conf";
  ofsck::model::DepmodConfig cfg;
  ofsck::read::parse_depmod_conf(text, f, "6.1.0-47-amd64", cfg);
  return 0;
}
