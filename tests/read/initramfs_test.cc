// read_initramfs(): the kernel's unpack_to_rootfs() semantics on images built here in memory
// (newc written by this test) and with the real tools (cpio -H newc, zstd, gzip, xz, lz4,
// bzip2), plus malformed variants and the fuzz corpus replay.
#include "read/archive/initramfs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "testdata.hpp"

namespace ofsck::read {
namespace {

std::string newc(const std::string& name, uint32_t mode, const std::string& body,
                 uint32_t ino = 1, uint32_t nlink = 1) {
  std::string h = fmt::format("070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}"
                              "{:08x}{:08x}{:08x}{:08x}",
                              ino, mode, 0, 0, nlink, 0, body.size(), 0, 0, 0, 0, name.size() + 1,
                              0);
  h += name;
  h.push_back('\0');
  while (h.size() % 4) h.push_back('\0');
  h += body;
  while (h.size() % 4) h.push_back('\0');
  return h;
}
std::string trailer() { return newc("TRAILER!!!", 0, ""); }

Result<Initramfs> parse(const std::string& s, InitramfsOptions o = {}) {
  return read_initramfs_bytes(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(s.data()), s.size()),
      "test.img", o);
}

std::string data_of(const InitramfsEntry& e) {
  return std::string(reinterpret_cast<const char*>(e.data.data()), e.data.size());
}

TEST(Initramfs, TwoUncompressedArchivesWithPadding) {
  std::string img = newc("kernel", 040755, "") + newc("kernel/x86/ucode.bin", 0100644, "abc") +
                    trailer();
  img += std::string(512 - img.size() % 512, '\0');
  img += newc("./lib", 040755, "") + newc("lib/a.ko", 0100644, "hello") +
         newc("bin", 0120777, "usr/bin") + trailer();
  auto r = parse(img);
  ASSERT_TRUE(r) << to_string(r.error());
  ASSERT_EQ(r->entries.size(), 5u);
  EXPECT_EQ(r->entries[1].path, "kernel/x86/ucode.bin");
  EXPECT_EQ(data_of(r->entries[1]), "abc");
  EXPECT_EQ(r->entries[2].path, "lib");
  EXPECT_EQ(data_of(r->entries[3]), "hello");
  EXPECT_EQ(r->entries[4].symlink, "usr/bin");
  ASSERT_EQ(r->parts.size(), 1u);
  EXPECT_EQ(r->parts[0].archives, 2u);
}

TEST(Initramfs, HardLinksShareTheLastBody) {
  std::string img = newc("a", 0100644, "", 7, 2) + newc("b", 0100644, "data", 7, 2) + trailer();
  auto r = parse(img);
  ASSERT_TRUE(r);
  EXPECT_EQ(data_of(r->entries[0]), "data");
  EXPECT_EQ(data_of(r->entries[1]), "data");
}

TEST(Initramfs, MalformedInputsGiveErrorsWithOffsets) {
  std::string good = newc("lib/a.ko", 0100644, "hello") + trailer();
  for (size_t cut : {size_t{5}, size_t{60}, size_t{115}, good.size() - 10}) {
    auto r = parse(good.substr(0, cut));
    ASSERT_FALSE(r) << cut;
    EXPECT_EQ(r.error().where.path, "test.img");
  }
  std::string bad = good;
  bad[20] = 'x';  // non-hex header field
  auto r = parse(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("offset 0x14"), std::string::npos) << r.error().message;
  auto g = parse("garbage!");
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("invalid magic"), std::string::npos) << g.error().message;
  InitramfsOptions few;
  few.max_entries = 1;
  auto c = parse(newc("a", 0100644, "") + newc("b", 0100644, "") + trailer(), few);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kTooLarge);
}

TEST(Initramfs, RealToolsEveryCompression) {
  std::string dir = testdata::make_temp_dir("initramfs");
  testdata::run(fmt::format(
      "cd {0} && mkdir -p early/kernel/x86/microcode tree/lib/modules/6.1.0-x/kernel && "
      "echo ucode > early/kernel/x86/microcode/GenuineIntel.bin && "
      "head -c 300000 /dev/urandom > tree/lib/modules/6.1.0-x/kernel/big.ko && "
      "ln -s lib/modules tree/mods && (cd early && find . | cpio -o -H newc --quiet) > early.cpio "
      "&& (cd tree && find . | sort | cpio -o -H newc --quiet) > main.cpio",
      dir));
  const char* tools[][2] = {{"zstd -q -c", "zstd"}, {"gzip -c", "gzip"}, {"xz -c --check=crc32", "xz"},
                            {"lz4 -l -c", "lz4"},   {"bzip2 -c", "bzip2"}};
  for (const auto& t : tools) {
    int st = 0;
    testdata::run(fmt::format("cd {} && {} < main.cpio > main.c && cat early.cpio main.c > img",
                              dir, t[0]),
                  &st);
    if (st != 0) {
      ADD_FAILURE() << "compressor missing: " << t[0];
      continue;
    }
    auto r = read_initramfs(dir + "/img");
    ASSERT_TRUE(r) << t[1] << ": " << to_string(r.error());
    ASSERT_EQ(r->parts.size(), 2u) << t[1];
    EXPECT_EQ(r->parts[0].compression, "none");
    EXPECT_EQ(r->parts[1].compression, t[1]);
    bool found_big = false, found_ucode = false, found_link = false;
    for (const auto& e : r->entries) {
      if (e.path == "lib/modules/6.1.0-x/kernel/big.ko") found_big = e.data.size() == 300000;
      if (e.path == "kernel/x86/microcode/GenuineIntel.bin") found_ucode = data_of(e) == "ucode\n";
      if (e.path == "mods") found_link = e.symlink == "lib/modules";
    }
    EXPECT_TRUE(found_big && found_ucode && found_link) << t[1];
    // Truncated compressed part: an error naming the image and the part's offset, no crash.
    testdata::run(fmt::format("cd {} && head -c $(( $(stat -c %s img) - 5000 )) img > cut", dir));
    auto c = read_initramfs(dir + "/cut");
    ASSERT_FALSE(c) << t[1];
    EXPECT_EQ(c.error().where.path, dir + "/cut");
    EXPECT_NE(c.error().message.find("0x"), std::string::npos);
  }
  // Zip bomb: a small cap stops decompression.
  InitramfsOptions small;
  small.max_total = 100000;
  auto b = read_initramfs(dir + "/img", small);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kTooLarge);
  std::filesystem::remove_all(dir);
}

TEST(Initramfs, FuzzCorpusReplays) {
  std::string dir = testdata::source_dir() + "/fuzz/corpus/initramfs";
  size_t n = 0, ok = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    InitramfsOptions o;
    o.max_total = 16 << 20;
    auto r = read_initramfs(e.path().string(), o);
    ++n;
    if (r) ++ok;
  }
  EXPECT_GE(n, 3u);
  EXPECT_GE(ok, 2u);
}

}  // namespace
}  // namespace ofsck::read
