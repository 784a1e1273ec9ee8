#include "read/compress/xz_size.hpp"

#include <lzma.h>

namespace ofsck::read {

std::optional<uint64_t> xz_declared_size(std::span<const std::byte> in) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t end = in.size();
  // Stream padding: zero bytes in multiples of four after the footer (xz-file-format §2.2).
  while (end >= 4 && p[end - 1] == 0 && p[end - 2] == 0 && p[end - 3] == 0 && p[end - 4] == 0)
    end -= 4;
  constexpr size_t kHeaderAndFooter = size_t{2} * LZMA_STREAM_HEADER_SIZE;
  if (end < kHeaderAndFooter) return std::nullopt;
  lzma_stream_flags footer;
  if (lzma_stream_footer_decode(&footer, p + end - LZMA_STREAM_HEADER_SIZE) != LZMA_OK)
    return std::nullopt;
  const uint64_t index_size = footer.backward_size;
  if (index_size > end - kHeaderAndFooter) return std::nullopt;
  size_t pos = end - LZMA_STREAM_HEADER_SIZE - index_size;
  lzma_index* index = nullptr;
  uint64_t memlimit = uint64_t{1} << 24;  // an index of a few blocks needs a few KiB
  if (lzma_index_buffer_decode(&index, &memlimit, nullptr, p, &pos,
                               end - LZMA_STREAM_HEADER_SIZE) != LZMA_OK)
    return std::nullopt;
  std::optional<uint64_t> size;
  // One stream spanning the whole file: header + blocks + index + footer.
  if (lzma_index_stream_size(index) == end) size = lzma_index_uncompressed_size(index);
  lzma_index_end(index, nullptr);
  return size;
}

}  // namespace ofsck::read
