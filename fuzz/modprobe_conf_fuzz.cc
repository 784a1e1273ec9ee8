/// libFuzzer target: modprobe.d parsing (kmod 30 and 33 dialects) and the kernel command line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "read/text/kcmdline.hpp"
#include "read/text/modprobe_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ofsck::model::ConfigFile f;
  f.path = f.display_path = "/etc/modprobe.d/fuzz.conf";
  ofsck::model::ModprobeConfig a, b;
  ofsck::read::parse_modprobe_conf(text, f, a, 30);
  ofsck::read::parse_modprobe_conf(text, f, b, 33);
  ofsck::model::KernelCmdline k = ofsck::read::parse_kernel_cmdline(text);
  (void)k;
  return 0;
}
