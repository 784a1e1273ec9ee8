#pragma once
/// What each module compression kind is called on disk and by the kernel: one table for the
/// tree scan (which files are modules) and the load path (which format the kernel decodes).
#include <cstddef>
#include <string_view>

#include "model/module.hpp"

namespace ofsck::model {

/// A compression kind's module file suffix (kmod's kmod_exts[]) and the kernel's name for its
/// decoder (CONFIG_MODULE_COMPRESS_*, /sys/module/compression; "" for none).
struct CompressionInfo {
  Compression kind;
  std::string_view suffix;
  std::string_view kernel_name;
};

/// Indexed by Compression.
inline constexpr CompressionInfo kCompressions[] = {
    {Compression::kNone, ".ko", ""},
    {Compression::kXz, ".ko.xz", "xz"},
    {Compression::kZstd, ".ko.zst", "zstd"},
    {Compression::kGzip, ".ko.gz", "gzip"},
};

/// The row of `c` in kCompressions.
constexpr const CompressionInfo& compression_info(Compression c) {
  return kCompressions[static_cast<size_t>(c)];
}
static_assert(compression_info(Compression::kXz).kind == Compression::kXz &&
              compression_info(Compression::kZstd).kind == Compression::kZstd &&
              compression_info(Compression::kGzip).kind == Compression::kGzip);

}  // namespace ofsck::model
