// xz_declared_size(): the size the stream index declares, or nothing when it cannot be trusted
// to be the whole file's (several streams, damage).
#include "read/compress/xz_size.hpp"

#include <gtest/gtest.h>
#include <lzma.h>

#include <vector>

namespace ofsck::read {
namespace {

std::vector<std::byte> xz(size_t n, lzma_check check = LZMA_CHECK_CRC32) {
  std::vector<uint8_t> in(n);
  for (size_t i = 0; i < n; ++i) in[i] = static_cast<uint8_t>(i * 7 % 251);
  std::vector<std::byte> out(n + n / 2 + 4096);
  size_t pos = 0;
  EXPECT_EQ(lzma_easy_buffer_encode(6, check, nullptr, in.data(), in.size(),
                                    reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  return out;
}

TEST(XzDeclaredSize, OneStreamDeclaresItsSize) {
  EXPECT_EQ(xz_declared_size(xz(300000)), 300000u);
  EXPECT_EQ(xz_declared_size(xz(0, LZMA_CHECK_CRC64)), 0u);
}

TEST(XzDeclaredSize, StreamPaddingIsSkipped) {
  auto f = xz(5000);
  f.resize(f.size() + 8, std::byte{0});
  EXPECT_EQ(xz_declared_size(f), 5000u);
}

TEST(XzDeclaredSize, SeveralStreamsOrDamageDeclareNothing) {
  auto a = xz(1000), b = xz(2000);
  auto both = a;
  both.insert(both.end(), b.begin(), b.end());
  EXPECT_FALSE(xz_declared_size(both).has_value());  // the last index covers only b
  auto cut = a;
  cut.pop_back();
  EXPECT_FALSE(xz_declared_size(cut).has_value());
  auto bad = a;
  bad[bad.size() - 8] ^= std::byte{0x40};  // backward size, under the footer CRC
  EXPECT_FALSE(xz_declared_size(bad).has_value());
  EXPECT_FALSE(xz_declared_size({}).has_value());
  EXPECT_FALSE(xz_declared_size(std::vector<std::byte>(24, std::byte{0})).has_value());
}

}  // namespace
}  // namespace ofsck::read
