// libFuzzer target for read_package_bytes(): .deb (ar → data.tar.* through
// archive_read_open_memory) and .rpm (lead/headers stripped by libarchive's rpm filter, then
// the compressed cpio payload), with the entry visitor touching every byte.
#include <cstddef>
#include <cstdint>
#include <span>

#include "read/archive/package.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ofsck::read::PackageOptions o;
  o.max_total = 16 << 20;  // keep decompression bombs cheap
  o.max_file = 8 << 20;
  o.max_member = 16 << 20;
  o.max_entries = 10000;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  size_t n = 0;
  auto r = ofsck::read::read_package_bytes(
      bytes, "fuzz.pkg",
      [&](const ofsck::read::PackageEntry& e, std::span<const std::byte> d) -> ofsck::Result<void> {
        n += e.path.size() + e.symlink.size() + e.hardlink.size();
        for (std::byte b : d) n += static_cast<size_t>(b);  // touch every byte (ASan)
        return {};
      },
      o);
  if (r && n == SIZE_MAX) return 1;
  return 0;
}
