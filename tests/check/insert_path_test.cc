// module_insert_path(): kmod >= 31 hands a module in the kernel's own decompression format to
// finit_module(MODULE_INIT_COMPRESSED_FILE); every other case is kmod decompressing itself.
#include "check/insert_path.hpp"

#include <gtest/gtest.h>

namespace ofsck::check {
namespace {

using model::Compression;

model::KernelFacts kernel(const char* decompress) {
  model::KernelFacts k;
  k.module_decompress = decompress;
  return k;
}

TEST(InsertPath, KernelDecompressesOnlyItsFormatAndOnlyForKmod31On) {
  EXPECT_EQ(module_insert_path(kernel("xz"), 34, {Compression::kXz}),
            "kmod 34 hands .ko.xz to finit_module(MODULE_INIT_COMPRESSED_FILE): the kernel "
            "decompresses (CONFIG_MODULE_DECOMPRESS, xz)");
  EXPECT_EQ(module_insert_path(kernel("xz"), 30, {Compression::kXz}),
            "kmod 30 decompresses .ko.xz itself, then init_module() (the kernel's xz decoder "
            "needs kmod 31)");
  EXPECT_EQ(module_insert_path(kernel("xz"), 31, {Compression::kZstd}),
            "kmod 31 decompresses .ko.zst itself, then init_module() (the kernel decodes xz only)");
  EXPECT_EQ(module_insert_path(kernel(""), 34, {Compression::kGzip}),
            "kmod 34 decompresses .ko.gz itself, then init_module() (the kernel decompresses no "
            "module)");
  EXPECT_EQ(module_insert_path(kernel("zstd"), 34, {Compression::kNone, Compression::kZstd}),
            "kmod 34 hands .ko to finit_module(); kmod 34 hands .ko.zst to "
            "finit_module(MODULE_INIT_COMPRESSED_FILE): the kernel decompresses "
            "(CONFIG_MODULE_DECOMPRESS, zstd)");
}

}  // namespace
}  // namespace ofsck::check
