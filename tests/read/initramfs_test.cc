// read_initramfs(): the kernel's unpack_to_rootfs() semantics on images built here in memory
// (newc written by this test) and with the real tools (cpio -H newc, zstd, gzip, xz, lz4,
// bzip2), plus malformed variants and the fuzz corpus replay.
#include "read/archive/initramfs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "testdata.hpp"

namespace ofsck::read {
namespace {

std::string newc(const std::string& name, uint32_t mode, const std::string& body, uint32_t ino = 1,
                 uint32_t nlink = 1) {
  std::string h =
      fmt::format("070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}"
                  "{:08x}{:08x}{:08x}{:08x}",
                  ino, mode, 0, 0, nlink, 0, body.size(), 0, 0, 0, 0, name.size() + 1, 0);
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
  std::string img =
      newc("kernel", 040755, "") + newc("kernel/x86/ucode.bin", 0100644, "abc") + trailer();
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

// The read layer puts the inspected bytes into its errors as they are; report/escape.hpp
// escapes every message once on output. Escaping here too showed "\\x01" for a byte 0x01.
TEST(Initramfs, ErrorsCarryRawBytesOfMemberNames) {
  const std::string name = std::string("lib/a") + '\x01' + "\x7f" + "\xff.ko";
  std::string img = newc(name, 0100644, "hello world");
  img.resize(img.size() - 8);  // cut inside the body
  auto r = parse(img);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTruncated);
  EXPECT_NE(r.error().message.find("body of \"" + name + "\""), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("\\x"), std::string::npos) << r.error().message;
  auto m = parse(std::string("07\x01\x02"
                             "01") +
                 std::string(200, '0'));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find(std::string("found \"07\x01\x02"
                                               "01\"")),
            std::string::npos)
      << m.error().message;
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
  const char* tools[][2] = {{"zstd -q -c", "zstd"},
                            {"gzip -c", "gzip"},
                            {"xz -c --check=crc32", "xz"},
                            {"lz4 -l -c", "lz4"},
                            {"bzip2 -c", "bzip2"}};
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

/// Builds an image in `dir` from segments, in order, with the real tools: "none" (a plain newc
/// archive), "gzip", "xz", "zstd", "lz4", "bzip2", "lzma" (that archive compressed), "pad4"
/// (NULs up to a multiple of 4), "zeros:N", "raw:TEXT" (bytes as given). Archive i holds
/// seg<i>/<kind> with contents "<kind> <i>\n". Archives are reproducible (mtime 0, inodes
/// renumbered), so a segment's size is the same in every image built. Returns "kind offset
/// size" per segment.
std::vector<std::tuple<std::string, uint64_t, uint64_t>> build_parts(
    const std::string& dir, const std::vector<std::string>& segs) {
  std::string script = "set -e; cd " + dir + "; rm -rf img d*; : > img\n";
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& k = segs[i];
    script += "o=$(stat -c %s img)\n";
    if (k == "pad4") {
      script += "truncate -s $(( (o + 3) / 4 * 4 )) img\n";
    } else if (k.starts_with("zeros:")) {
      script += fmt::format("head -c {} /dev/zero >> img\n", k.substr(6));
    } else if (k.starts_with("raw:")) {
      script += fmt::format("printf '%s' '{}' >> img\n", k.substr(4));
    } else {
      static const std::map<std::string, std::string> tool = {{"none", "cat"},
                                                              {"gzip", "gzip -n -c"},
                                                              {"xz", "xz -c --check=crc32"},
                                                              {"zstd", "zstd -q -c"},
                                                              {"lz4", "lz4 -l -c"},
                                                              {"bzip2", "bzip2 -c"},
                                                              {"lzma", "xz --format=lzma -c"}};
      script += fmt::format("mkdir -p d{0}/seg{0} && echo '{1} {0}' > d{0}/seg{0}/{1} && "
                            "touch -h -d @0 d{0} d{0}/seg{0} d{0}/seg{0}/{1} && "
                            "(cd d{0} && find . | sort | cpio -o -H newc --quiet --reproducible) | "
                            "{2} >> img\n",
                            i, k, tool.at(k));
    }
    script += fmt::format("echo {} $o $(( $(stat -c %s img) - o ))\n", k);
  }
  std::ofstream(dir + "/build.sh") << script;
  int st = 0;
  std::string out = testdata::run("bash " + dir + "/build.sh 2>&1", &st);
  EXPECT_EQ(st, 0) << out;
  std::vector<std::tuple<std::string, uint64_t, uint64_t>> v;
  std::istringstream in(out);
  std::string k;
  uint64_t o, n;
  while (in >> k >> o >> n) v.emplace_back(k, o, n);
  return v;
}

class InitramfsParts : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testdata::make_temp_dir("initramfs-parts"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  /// The image must read; every archive segment is one part at its offset, spanning exactly
  /// its bytes, with its file present.
  void expect_parts(const std::vector<std::string>& segs) {
    auto layout = build_parts(dir_, segs);
    ASSERT_EQ(layout.size(), segs.size());
    auto r = read_initramfs(dir_ + "/img");
    ASSERT_TRUE(r) << ::testing::PrintToString(segs) << ": " << to_string(r.error());
    size_t p = 0;
    for (size_t i = 0; i < layout.size(); ++i) {
      const auto& [kind, off, size] = layout[i];
      if (kind == "pad4" || kind.starts_with("zeros:")) continue;
      std::string want = fmt::format("seg{}/{}", i, kind);
      bool found = false;
      for (const auto& e : r->entries)
        if (e.path == want) found = data_of(e) == fmt::format("{} {}\n", kind, i);
      EXPECT_TRUE(found) << want;
      ASSERT_LT(p, r->parts.size()) << want;
      EXPECT_EQ(r->parts[p].offset, off) << want;
      EXPECT_EQ(r->parts[p].compression, kind) << want;
      EXPECT_EQ(r->parts[p].archives, 1u) << want;
      if (kind != "none") {
        EXPECT_EQ(r->parts[p].input_size, size) << want;
      }
      ++p;
    }
    EXPECT_EQ(p, r->parts.size());
  }
  /// The image must fail with an error naming it and `offset_text` (e.g. "offset 0x1a2").
  void expect_error(const std::vector<std::string>& segs, const std::string& what) {
    build_parts(dir_, segs);
    auto r = read_initramfs(dir_ + "/img");
    ASSERT_FALSE(r) << ::testing::PrintToString(segs);
    EXPECT_EQ(r.error().where.path, dir_ + "/img");
    EXPECT_NE(r.error().message.find(what), std::string::npos)
        << ::testing::PrintToString(segs) << ": " << r.error().message;
  }
  std::string dir_;
};

TEST_F(InitramfsParts, CompressedPartsInEveryOrderEachEndFoundExactly) {
  // What the kernel reads after one compressed part: another compressed part (directly or
  // after zero padding), or a plain archive at a 4-aligned offset.
  expect_parts({"none", "gzip", "xz", "zstd"});
  expect_parts({"none", "zstd", "gzip", "pad4", "none"});
  expect_parts({"xz", "zeros:13", "gzip", "zeros:3", "bzip2", "lzma"});
  expect_parts({"gzip", "gzip", "gzip"});  // concatenated members: three parts, as the kernel
  expect_parts({"bzip2", "bzip2", "pad4", "none"});
  expect_parts({"zstd", "zstd", "pad4", "none", "xz"});
  // lz4 legacy has no end marker: the kernel stops at zero padding or the end of the image.
  expect_parts({"none", "lz4", "zeros:4", "gzip", "zeros:8", "lz4"});
}

TEST_F(InitramfsParts, ConcatenatedLz4LegacyIsOnePart) {
  auto layout = build_parts(dir_, {"lz4", "lz4"});
  auto r = read_initramfs(dir_ + "/img");
  ASSERT_TRUE(r) << to_string(r.error());
  ASSERT_EQ(r->parts.size(), 1u);  // ...so both archives are in one part
  EXPECT_EQ(r->parts[0].archives, 2u);
  EXPECT_EQ(r->parts[0].input_size, std::get<2>(layout[0]) + std::get<2>(layout[1]));
}

TEST_F(InitramfsParts, TrailingGarbageIsAnErrorAtItsOffset) {
  for (std::string k : {"none", "gzip", "xz", "zstd", "bzip2", "lzma"}) {
    auto layout = build_parts(dir_, {"none", k, "raw:GARBAGE!"});
    uint64_t at = std::get<1>(layout[2]);
    auto r = read_initramfs(dir_ + "/img");
    ASSERT_FALSE(r) << k;
    EXPECT_EQ(r.error().where.path, dir_ + "/img");
    EXPECT_EQ(r.error().where.offset, at) << k;
    EXPECT_NE(r.error().message.find(fmt::format("offset 0x{:x}: invalid magic", at)),
              std::string::npos)
        << k << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("found 47 41"), std::string::npos) << r.error().message;
  }
  // After lz4 legacy the kernel reads garbage as one more chunk: corrupt data.
  expect_error({"lz4", "raw:GARBAGE!"}, "data corrupted: chunk at offset");
  // ...and a part that follows it without zero padding likewise.
  expect_error({"lz4", "gzip"}, "data corrupted");
}

TEST_F(InitramfsParts, KernelAlignmentAndPaddingRules) {
  // A plain archive right after a compressed part, not 4-aligned: the kernel takes its '0' for
  // a compression magic.
  uint64_t gz = std::get<2>(build_parts(dir_, {"gzip"})[0]);
  uint64_t k = (5 - gz % 4) % 4 == 0 ? 4 : (5 - gz % 4) % 4;  // (gz + k) % 4 == 1
  expect_error({"gzip", fmt::format("zeros:{}", k), "none"}, "not a multiple of 4 is not one");
  // After a plain archive, padding must end 4-aligned (do_reset()'s "broken padding").
  expect_error({"none", "zeros:3", "gzip"}, "broken padding");
  // lz4 frame format (not -l): not in the kernel's table.
  build_parts(dir_, {"none"});
  testdata::run("cd " + dir_ +
                " && (cd d0 && find . | cpio -o -H newc --quiet) | lz4 -q -c >> img");
  auto f = read_initramfs(dir_ + "/img");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("lz4 frame format"), std::string::npos) << f.error().message;
  // A compressed part with no archive: fine after an archive (state Reset), not at the start.
  testdata::run("cd " + dir_ +
                " && (cd d0 && find . | cpio -o -H newc --quiet) > img && "
                "gzip -n -c < /dev/null >> img && cp img img2 && gzip -n -c < /dev/null > img3");
  auto e = read_initramfs(dir_ + "/img");
  ASSERT_TRUE(e) << to_string(e.error());
  EXPECT_EQ(e->parts.size(), 2u);
  auto s = read_initramfs(dir_ + "/img3");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("holds no cpio archive"), std::string::npos);
}

TEST_F(InitramfsParts, TruncatedAndCorruptPartsNameTheirOffset) {
  for (std::string k : {"gzip", "xz", "zstd", "lz4", "bzip2", "lzma"}) {
    auto layout = build_parts(dir_, {"none", k, "zeros:4", k});
    uint64_t at = std::get<1>(layout[3]);
    testdata::run(fmt::format("cd {} && head -c -6 img > cut", dir_));
    auto r = read_initramfs(dir_ + "/cut");
    ASSERT_FALSE(r) << k;
    EXPECT_EQ(r.error().where.path, dir_ + "/cut");
    EXPECT_NE(r.error().message.find(fmt::format("0x{:x}", at)), std::string::npos)
        << k << ": " << r.error().message;
  }
  // gzip member cut inside its 8-byte trailer: the kernel would skip past the image's end.
  build_parts(dir_, {"none", "gzip"});
  testdata::run(fmt::format("cd {} && head -c -3 img > cut", dir_));
  auto g = read_initramfs(dir_ + "/cut");
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("trailer"), std::string::npos) << g.error().message;
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
