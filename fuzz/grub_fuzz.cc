/// libFuzzer target: GRUB inputs (grubenv blocks, grub.cfg menus, /etc/default/grub) and
/// the menu selection over what was parsed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "read/text/grub.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto env = ofsck::read::parse_grubenv(text, "/boot/grub/grubenv");
  ofsck::read::GrubConfig cfg = ofsck::read::parse_grub_cfg(text);
  auto d = ofsck::read::parse_default_grub(text);
  std::string path;
  (void)ofsck::read::select_grub_entry(cfg.menu, d ? *d : std::string_view(text).substr(0, 64),
                                       &path);
  if (env)
    if (auto s = env->get("saved_entry")) (void)ofsck::read::select_grub_entry(cfg.menu, *s, &path);
  return 0;
}
