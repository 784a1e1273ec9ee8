/// libFuzzer target: dpkg md5sums files and /proc/modules (the snapshot's inputs).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "read/pkgdb/md5sums.hpp"
#include "read/text/proc_modules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = ofsck::read::parse_md5sums(text, "x.md5sums");
  auto p = ofsck::read::parse_proc_modules(text, "/proc/modules");
  (void)m;
  (void)p;
  return 0;
}
