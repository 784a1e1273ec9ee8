// kmod ≥ 31, libkmod-module.c do_finit_module(): "When module is not compressed or its
// compression type matches the one in use by the kernel [/sys/module/compression], there is no
// need to read the file in userspace" → finit_module(fd, args, MODULE_INIT_COMPRESSED_FILE);
// any other format falls back to do_init_module(): kmod decompresses, then init_module().
// kmod 30 always decompresses itself. /sys/module/compression exists only with
// CONFIG_MODULE_DECOMPRESS, and names the one format kernel/module/decompress.c was built for.
#include "check/insert_path.hpp"

#include <fmt/format.h>

#include "model/compression.hpp"

namespace ofsck::check {

std::string module_insert_path(const model::KernelFacts& k, int kmod_major,
                               const std::vector<model::Compression>& compressions) {
  std::string out;
  for (model::Compression c : compressions) {
    if (!out.empty()) out += "; ";
    const model::CompressionInfo& info = model::compression_info(c);
    if (c == model::Compression::kNone) {
      out += fmt::format("kmod {} hands .ko to finit_module()", kmod_major);
    } else if (kmod_major >= 31 && k.module_decompress == info.kernel_name) {
      out += fmt::format("kmod {} hands {} to finit_module(MODULE_INIT_COMPRESSED_FILE): the "
                         "kernel decompresses (CONFIG_MODULE_DECOMPRESS, {})",
                         kmod_major, info.suffix, k.module_decompress);
    } else {
      const std::string why =
          k.module_decompress.empty() ? std::string("the kernel decompresses no module")
          : kmod_major < 31
              ? fmt::format("the kernel's {} decoder needs kmod 31", k.module_decompress)
              : fmt::format("the kernel decodes {} only", k.module_decompress);
      out += fmt::format("kmod {} decompresses {} itself, then init_module() ({})", kmod_major,
                         info.suffix, why);
    }
  }
  return out;
}

}  // namespace ofsck::check
