#include <gtest/gtest.h>

#include <array>

#include "read/buffer.hpp"
#include "read/byte_reader.hpp"

namespace ofsck::read {
namespace {

std::array<std::byte, 8> kBytes = {std::byte{1},   std::byte{2},   std::byte{3}, std::byte{4},
                                   std::byte{'h'}, std::byte{'i'}, std::byte{0}, std::byte{9}};

TEST(ByteReader, LittleAndBigEndian) {
  ByteReader le(kBytes);
  EXPECT_EQ(le.read_u16(), 0x0201);
  EXPECT_EQ(le.read_u16(), 0x0403);
  ByteReader be(kBytes, true);
  EXPECT_EQ(be.read_u32(), 0x01020304u);
  EXPECT_EQ(ByteReader(kBytes).read_u64(), 0x090069'6804030201ull);
  EXPECT_EQ(ByteReader(kBytes, true).read_word(false), 0x01020304u);
}

TEST(ByteReader, StickyErrorStopsAdvancing) {
  ByteReader r(kBytes);
  r.skip(6);
  EXPECT_EQ(r.read_u32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error_offset(), 6u);
  EXPECT_EQ(r.read_u8(), 0u);  // even though one byte would fit
  EXPECT_EQ(r.offset(), 6u);
  EXPECT_TRUE(r.bytes(1).empty());
}

TEST(ByteReader, CstrNeedsNul) {
  ByteReader r(kBytes);
  r.skip(4);
  EXPECT_EQ(r.cstr(), "hi");
  EXPECT_EQ(r.offset(), 7u);
  EXPECT_TRUE(r.cstr().empty());  // "\x09" without NUL
  EXPECT_FALSE(r.ok());
  ByteReader m(kBytes);
  m.skip(4);
  EXPECT_TRUE(m.cstr(1).empty());  // max 1 char before NUL
  EXPECT_FALSE(m.ok());
}

TEST(ByteReader, SubIsOverflowChecked) {
  ByteReader r(kBytes);
  EXPECT_TRUE(r.sub(2, 6).ok());
  EXPECT_FALSE(r.sub(2, 7).ok());
  EXPECT_FALSE(r.sub(UINT64_MAX, 2).ok());
  EXPECT_FALSE(r.sub(1, UINT64_MAX).ok());
  ByteReader s = r.sub(4, 3);
  EXPECT_EQ(s.cstr(), "hi");
  r.seek(9);
  EXPECT_FALSE(r.ok());
}

TEST(Buffer, MoveOnlyStableData) {
  Buffer a = Buffer::copy_of(kBytes);
  const std::byte* p = a.data();
  Buffer b = std::move(a);
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b.size(), 8u);
  b.resize(16);
  EXPECT_EQ(b.span()[4], std::byte{'h'});
  b.truncate(3);
  EXPECT_EQ(b.size(), 3u);
  static_assert(!std::is_copy_constructible_v<Buffer>);
}

TEST(Buffer, ReadFileErrors) {
  EXPECT_EQ(read_file_buffer("/nonexistent").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(read_file_buffer("/tmp"));
  Result<Buffer> b = read_file_buffer("/proc/self/exe", 10);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace ofsck::read
