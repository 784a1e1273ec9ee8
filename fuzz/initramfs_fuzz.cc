// libFuzzer target for read_initramfs_bytes(): the newc state machine over concatenated
// archives and libarchive decompression of the compressed parts.
#include <cstddef>
#include <cstdint>
#include <span>

#include "read/archive/initramfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ofsck::read::InitramfsOptions o;
  o.max_total = 16 << 20;  // keep decompression bombs cheap
  o.max_entries = 10000;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto r = ofsck::read::read_initramfs_bytes(bytes, "fuzz.img", o);
  if (r) {
    size_t n = 0;
    for (const auto& e : r->entries) {
      n += e.path.size() + e.symlink.size();
      for (std::byte b : e.data) n += static_cast<size_t>(b);  // touch every view (ASan)
    }
    if (n == SIZE_MAX) return 1;
  }
  return 0;
}
