/// libFuzzer target: ofsck.conf parsing (read/text/ofsck_conf): any bytes give a configuration
/// or an error naming path:line, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "read/text/ofsck_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = ofsck::read::parse_ofsck_conf(text, "/etc/ofsck/ofsck.conf");
  if (!c && c.error().where.line == 0 && size <= ofsck::read::kOfsckConfCap) __builtin_trap();
  return 0;
}
