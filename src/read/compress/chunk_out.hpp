#pragma once
/// Internal to read/compress: the fixed output chunk of the streaming decoders and the error
/// wording they share.
#include <lzma.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "read/compress/compress.hpp"

namespace ofsck::read::compress_detail {

/// Storage for one output chunk: the calling thread's reusable block when the chunk fits it
/// and no other chunk of this thread holds it (a sink that decodes again nests), else a block
/// of its own. Decoding a stream to a sink then allocates no chunk after the thread's first.
class ChunkStorage {
 public:
  static constexpr size_t kPooled = size_t{1} << 20;
  explicit ChunkStorage(size_t size) {
    Pool& pool = thread_pool();
    if (size <= kPooled && !pool.busy) {
      if (pool.bytes.size() < kPooled) pool.bytes.resize(kPooled);
      pool.busy = true;
      data_ = pool.bytes.data();
      pooled_ = true;
    } else {
      own_.resize(size);
      data_ = own_.data();
    }
  }
  ~ChunkStorage() {
    if (pooled_) thread_pool().busy = false;
  }
  ChunkStorage(const ChunkStorage&) = delete;
  ChunkStorage& operator=(const ChunkStorage&) = delete;
  std::byte* data() { return data_; }

 private:
  struct Pool {
    std::vector<std::byte> bytes;
    bool busy = false;
  };
  static Pool& thread_pool() {
    thread_local Pool pool;
    return pool;
  }
  std::vector<std::byte> own_;
  std::byte* data_ = nullptr;
  bool pooled_ = false;
};

/// Fixed output chunk for the streaming decoders: flushed to the sink when full; more than
/// `cap` bytes in total is kTooLarge.
class ChunkOut {
 public:
  ChunkOut(uint64_t cap, const ChunkSink& sink, size_t size = kSize)
      : cap_(cap), sink_(sink), size_(size), buf_(size) {}
  static constexpr size_t kSize = ChunkStorage::kPooled;
  uint8_t* data() { return reinterpret_cast<uint8_t*>(buf_.data()); }
  size_t size() const { return size_; }
  uint64_t cap() const { return cap_; }
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
  size_t size_;
  ChunkStorage buf_;
  uint64_t total_ = 0;
};

/// Where a decoder writes: it asks for free space, decodes into it and says how much of it it
/// filled. One decoding loop per format serves both kinds: a growing Buffer (decompress()) and
/// a chunk handed to a sink (decompress_to(), kernel payloads).
class Out {
 public:
  virtual ~Out() = default;
  /// Free space to decode into; never empty.
  virtual std::span<std::byte> space() = 0;
  /// The decoder filled the first n bytes of the last space(): kTooLarge once the total is
  /// past the cap, kStop when the sink needs no more.
  virtual ChunkOut::Flush wrote(size_t n) = 0;
  /// The stream ended: hands over what is still held.
  virtual ChunkOut::Flush end() = 0;
  /// Bytes written (kept or handed over) so far.
  virtual uint64_t total() const = 0;
  uint64_t cap() const { return cap_; }

 protected:
  explicit Out(uint64_t cap) : cap_(cap) {}
  uint64_t cap_;
};

/// Out that fills a chunk and hands it to the sink whenever it is full, so the sink sees
/// whole chunks but the last.
class SinkOut final : public Out {
 public:
  SinkOut(uint64_t cap, const ChunkSink& sink) : Out(cap), chunk_(cap, sink) {}
  std::span<std::byte> space() override {
    return {reinterpret_cast<std::byte*>(chunk_.data()) + fill_, chunk_.size() - fill_};
  }
  ChunkOut::Flush wrote(size_t n) override {
    fill_ += n;
    return fill_ < chunk_.size() ? ChunkOut::kMore : end();
  }
  ChunkOut::Flush end() override {
    const ChunkOut::Flush f = chunk_.flush(fill_);
    fill_ = 0;
    return f;
  }
  uint64_t total() const override { return chunk_.total() + fill_; }

 private:
  ChunkOut chunk_;
  size_t fill_ = 0;
};

inline tl::unexpected<Error> too_large(const std::string& path, const char* fmt_name,
                                       uint64_t cap) {
  return make_error(ErrorCode::kTooLarge,
                    fmt::format("{} stream decompresses to more than the 0x{:x}-byte limit "
                                "(possible zip bomb)",
                                fmt_name, cap),
                    SourceRef{path});
}

/// What a flush means for the decoding: nullopt to go on, else its result (the size handed
/// over when the sink stopped, kTooLarge past the cap).
inline std::optional<Result<uint64_t>> after(ChunkOut::Flush f, uint64_t total,
                                             const std::string& path, const char* fmt_name,
                                             uint64_t cap) {
  switch (f) {
    case ChunkOut::kMore: return std::nullopt;
    case ChunkOut::kStop: return Result<uint64_t>(total);
    case ChunkOut::kTooLarge: return Result<uint64_t>(too_large(path, fmt_name, cap));
  }
  return std::nullopt;
}

/// The outcome of writing n more bytes to `out`: nullopt to go on decoding.
inline std::optional<Result<uint64_t>> step(Out& out, size_t n, const std::string& path,
                                            const char* fmt_name) {
  const ChunkOut::Flush f = out.wrote(n);
  return after(f, out.total(), path, fmt_name, out.cap());
}

/// The result once the stream ended: its size, or kTooLarge.
inline Result<uint64_t> finish(Out& out, const std::string& path, const char* fmt_name) {
  const ChunkOut::Flush f = out.end();
  if (f == ChunkOut::kTooLarge) return too_large(path, fmt_name, out.cap());
  return out.total();
}

inline tl::unexpected<Error> corrupt(const std::string& path, const char* fmt_name, uint64_t off,
                                     const std::string& what,
                                     ErrorCode code = ErrorCode::kMalformed) {
  SourceRef where{path};
  where.offset = off;
  where.section = fmt_name;
  return make_error(
      code, fmt::format("corrupt {} stream at input offset 0x{:x}: {}", fmt_name, off, what),
      where);
}

/// A liblzma failure (neither LZMA_OK nor LZMA_STREAM_END) at input offset `off`, in the
/// words of xz(1).
inline tl::unexpected<Error> lzma_failure(const std::string& path, const char* fmt_name,
                                          uint64_t off, lzma_ret r) {
  switch (r) {
    case LZMA_BUF_ERROR:
      return corrupt(path, fmt_name, off, "unexpected end of input", ErrorCode::kTruncated);
    case LZMA_FORMAT_ERROR:
      return corrupt(path, fmt_name, off, fmt::format("not in .{} format", fmt_name));
    case LZMA_OPTIONS_ERROR: return corrupt(path, fmt_name, off, "unsupported options");
    case LZMA_DATA_ERROR: return corrupt(path, fmt_name, off, "compressed data is corrupt");
    case LZMA_MEMLIMIT_ERROR:
      return corrupt(path, fmt_name, off, "dictionary above 1 GiB memory limit",
                     ErrorCode::kTooLarge);
    default:
      return corrupt(path, fmt_name, off, fmt::format("liblzma error {}", static_cast<int>(r)));
  }
}

/// The next piece of a compressed input, read on demand; an empty piece ends the input.
using InputPieces = std::function<Result<std::span<const std::byte>>()>;

/// Runs the liblzma decoder `s` (set up by the caller: .xz streams or .lzma) over the pieces
/// `more` hands out to LZMA_STREAM_END, writing to `out`; ends `s`. `fmt_name` labels errors.
/// The input is never held whole: a kernel image is read a piece at a time.
[[nodiscard]] Result<uint64_t> run_lzma_pieces(lzma_stream& s, const InputPieces& more, Out& out,
                                               const std::string& path, const char* fmt_name);

/// The same over `in`, held in memory.
[[nodiscard]] Result<uint64_t> run_lzma(lzma_stream& s, std::span<const std::byte> in, Out& out,
                                        const std::string& path, const char* fmt_name);

}  // namespace ofsck::read::compress_detail
