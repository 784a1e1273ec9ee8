// libFuzzer target for read_module_bytes(): ELF parsing, modinfo, modversions, export tables
// of all eras, signature trailer and (via the magic sniffing) xz/zstd/gzip decompression.
#include <cstddef>
#include <cstdint>
#include <span>

#include "read/module_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ofsck::read::ReadOptions opts;
  opts.max_decompressed = 16 << 20;  // keep decompression bombs cheap
  opts.signed_digest = (size & 1) != 0;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  ofsck::Result<ofsck::model::ModuleFile> m =
      ofsck::read::read_module_bytes(bytes, "fuzz.ko", opts);
  if (m) {
    // Touch the decoded data so that lazily wrong views would be caught by ASan.
    size_t n = m->info.all.size() + m->imports.size() + m->exports.size() + m->sig.signer.size();
    for (const auto& e : m->exports) n += e.name.size() + e.ns.size();
    for (const auto& i : m->imports) n += i.name.size();
    if (n == SIZE_MAX) return 1;
  }
  return 0;
}
