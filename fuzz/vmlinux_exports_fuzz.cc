// libFuzzer target for the vmlinux export table reader (a kernel image is untrusted input):
// section headers, struct kernel_symbol layouts, __kcrctab and __kflagstab over the decoded
// vmlinux bytes. Seeds: fuzz/corpus/vmlinux_exports/, small ELF64 images with the absolute
// and PREL32 layouts, as tests/read/vmlinux_exports_test.cc builds them.
#include <cstddef>
#include <cstdint>
#include <span>

#include "read/vmlinux_exports.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ofsck::read;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  size_t n = 0;
  // The kernel version only selects CONFIG_MODULE_REL_CRCS on ppc64: try unknown and 4.14.
  for (int version : {0, 414}) {
    auto ex = parse_vmlinux_exports(bytes, "fuzz.vmlinux", version);
    if (!ex) continue;
    for (const auto& e : ex->symvers.entries) n += e.name.size() + e.ns.size() + e.crc.value_or(0);
  }
  return n == SIZE_MAX ? 1 : 0;
}
