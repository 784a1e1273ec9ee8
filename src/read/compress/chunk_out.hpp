#pragma once
/// Internal to read/compress: the fixed output chunk of the streaming decoders and the error
/// wording they share.
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "read/compress/compress.hpp"

namespace ofsck::read::compress_detail {

/// Fixed output chunk for the streaming decoders: flushed to the sink when full; more than
/// `cap` bytes in total is kTooLarge.
class ChunkOut {
 public:
  ChunkOut(uint64_t cap, const ChunkSink& sink, size_t size = kSize)
      : cap_(cap), sink_(sink), buf_(size) {}
  static constexpr size_t kSize = size_t{1} << 20;
  uint8_t* data() { return reinterpret_cast<uint8_t*>(buf_.data()); }
  size_t size() const { return buf_.size(); }
  enum Flush { kMore, kStop, kTooLarge };
  /// Hands the first n bytes of the chunk to the sink: kTooLarge when the total exceeds the
  /// cap, kStop when the sink needs no more.
  Flush flush(size_t n) {
    if (n == 0) return total_ <= cap_ ? kMore : kTooLarge;
    total_ += n;
    if (total_ > cap_) return kTooLarge;
    return sink_(std::span<const std::byte>(buf_.data(), n)) ? kMore : kStop;
  }
  uint64_t total() const { return total_; }

 private:
  uint64_t cap_;
  const ChunkSink& sink_;
  std::vector<std::byte> buf_;
  uint64_t total_ = 0;
};

inline tl::unexpected<Error> too_large(const std::string& path, const char* fmt_name,
                                       uint64_t cap) {
  return make_error(ErrorCode::kTooLarge,
                    fmt::format("{} stream decompresses to more than the 0x{:x}-byte limit "
                                "(possible zip bomb)",
                                fmt_name, cap),
                    SourceRef{path});
}

inline tl::unexpected<Error> corrupt(const std::string& path, const char* fmt_name, uint64_t off,
                                     const std::string& what,
                                     ErrorCode code = ErrorCode::kMalformed) {
  SourceRef where{path};
  where.offset = off;
  where.section = fmt_name;
  return make_error(code,
                    fmt::format("corrupt {} stream at input offset 0x{:x}: {}", fmt_name, off, what),
                    where);
}

}  // namespace ofsck::read::compress_detail
