#pragma once
/// Bounded little/big-endian reader over bytes with a sticky error (LLVM DataExtractor::Cursor,
/// bloaty StrictSubstr). After the first failed read every further read yields 0 / empty and
/// the position stops moving; check ok() at record boundaries.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace ofsck::read {

/// Loads an unsigned integer of type T at `p` (no alignment requirement) in the given order.
template <class T>
[[nodiscard]] inline T load_int(const std::byte* p, bool big_endian) {
  T v;
  std::memcpy(&v, p, sizeof v);
  if (big_endian) {
    if constexpr (sizeof(T) == 2) v = static_cast<T>(__builtin_bswap16(v));
    if constexpr (sizeof(T) == 4) v = static_cast<T>(__builtin_bswap32(v));
    if constexpr (sizeof(T) == 8) v = static_cast<T>(__builtin_bswap64(v));
  }
  return v;
}

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::span<const std::byte> data, bool big_endian = false)
      : data_(data), big_endian_(big_endian) {}

  bool big_endian() const { return big_endian_; }
  void set_big_endian(bool be) { big_endian_ = be; }

  /// True while no read has failed.
  bool ok() const { return ok_; }
  /// Offset of the first failed read (valid when !ok()).
  uint64_t error_offset() const { return error_offset_; }
  uint64_t offset() const { return pos_; }
  uint64_t size() const { return data_.size(); }
  uint64_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ >= data_.size(); }
  std::span<const std::byte> data() const { return data_; }

  uint8_t read_u8() { return read_int<uint8_t>(); }
  uint16_t read_u16() { return read_int<uint16_t>(); }
  uint32_t read_u32() { return read_int<uint32_t>(); }
  uint64_t read_u64() { return read_int<uint64_t>(); }
  /// ELF word of the file's class: u32 for ELF32, u64 for ELF64.
  uint64_t read_word(bool is64) { return is64 ? read_u64() : read_u32(); }

  /// The next `n` bytes, or an empty span (and a sticky error) if fewer remain.
  std::span<const std::byte> bytes(uint64_t n) {
    if (!ok_ || n > remaining()) {
      fail();
      return {};
    }
    std::span<const std::byte> s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  /// A NUL-terminated string of at most `max` bytes before the NUL; consumes the NUL.
  /// Fails (sticky) if no NUL is found within min(max+1, remaining) bytes.
  std::string_view cstr(uint64_t max = UINT64_MAX) {
    if (!ok_) return {};
    uint64_t limit = remaining();
    if (max < limit) limit = max + 1;
    const char* p = reinterpret_cast<const char*>(data_.data() + pos_);
    const void* nul = std::memchr(p, 0, limit);
    if (!nul) {
      fail();
      return {};
    }
    uint64_t len = static_cast<uint64_t>(static_cast<const char*>(nul) - p);
    pos_ += len + 1;
    return {p, len};
  }

  void skip(uint64_t n) {
    if (!ok_ || n > remaining()) {
      fail();
      return;
    }
    pos_ += n;
  }
  /// Moves to absolute offset `off` (== size() allowed).
  void seek(uint64_t off) {
    if (!ok_ || off > data_.size()) {
      fail();
      return;
    }
    pos_ = off;
  }

  /// Reader over [off, off+len) of this reader's data with the same byte order; a failed
  /// reader (ok() == false) if the range does not fit. Does not affect this reader.
  ByteReader sub(uint64_t off, uint64_t len) const {
    ByteReader r;
    r.big_endian_ = big_endian_;
    uint64_t end;
    if (__builtin_add_overflow(off, len, &end) || end > data_.size()) {
      r.ok_ = false;
      r.error_offset_ = off;
      return r;
    }
    r.data_ = data_.subspan(off, len);
    return r;
  }

 private:
  template <class T>
  T read_int() {
    if (!ok_ || sizeof(T) > remaining()) {
      fail();
      return 0;
    }
    T v = load_int<T>(data_.data() + pos_, big_endian_);
    pos_ += sizeof(T);
    return v;
  }
  void fail() {
    if (ok_) error_offset_ = pos_;
    ok_ = false;
  }

  std::span<const std::byte> data_;
  uint64_t pos_ = 0;
  uint64_t error_offset_ = 0;
  bool big_endian_ = false;
  bool ok_ = true;
};

}  // namespace ofsck::read
