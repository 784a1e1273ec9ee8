#include "check/firmware.hpp"

namespace ofsck::check {

std::optional<std::string> find_firmware(const std::function<bool(const std::string&)>& exists,
                                         const std::string& kver, const std::string& name) {
  for (const std::string& dir : {"lib/firmware/updates/" + kver, std::string("lib/firmware/updates"),
                                 "lib/firmware/" + kver, std::string("lib/firmware")})
    for (const char* suf : {"", ".xz", ".zst"}) {
      std::string p = dir + "/" + name + suf;
      if (exists(p)) return p;
    }
  return std::nullopt;
}

}  // namespace ofsck::check
