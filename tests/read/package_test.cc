// read_package() on real packages: .debs built with dpkg-deb (xz, gzip, zstd data members) and
// .rpms built with rpmbuild (gzip and zstd payloads) in the vendor layout, plus corrupt and
// truncated variants, and a replay of fuzz/corpus/package/.
#include "read/archive/package.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "pkg_fixture.hpp"
#include "read/buffer.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

namespace fs = std::filesystem;
const std::string kK = "6.1.0-56-amd64";

struct Seen {
  std::map<std::string, std::string> files;  ///< path → contents
  std::map<std::string, std::string> links;  ///< path → symlink target
  size_t dirs = 0;
};

Result<PackageInfo> read_all(const std::string& path, Seen& s) {
  return read_package(path,
                      [&](const PackageEntry& e, std::span<const std::byte> d) -> Result<void> {
                        if (e.is_regular())
                          s.files[e.path] =
                              std::string(reinterpret_cast<const char*>(d.data()), d.size());
                        else if (e.is_symlink()) s.links[e.path] = e.symlink;
                        else if (e.is_dir()) ++s.dirs;
                        return {};
                      });
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pkgfix::have_tools()) GTEST_SKIP() << "dpkg-deb/rpmbuild not installed";
    work_ = testdata::make_temp_dir("pkgread");
  }
  void TearDown() override {
    std::error_code ec;
    if (!work_.empty()) fs::remove_all(work_, ec);
  }
  std::vector<pkgfix::PayloadFile> payload() const {
    return {{"/lib/modules/" + kK + "/extra/acme/ofs_x.ko", "", std::string(70000, 'k')},
            {"/etc/depmod.d/zz01-acme-ofs_x.conf", "", "override ofs_x * extra/acme\n"}};
  }
  std::string work_;
};

TEST_F(PackageTest, DebWithEveryDataCompression) {
  for (std::string z : {"xz", "gzip", "zstd", "none"}) {
    std::string dir = work_ + "/deb-" + z;
    pkgfix::stage(dir, payload());
    fs::create_directories(dir + "/DEBIAN");
    pkgfix::stage(dir, {{"/DEBIAN/control", "",
                         "Package: acme-x\nVersion: 1\nArchitecture: amd64\nMaintainer: t "
                         "<t@e.org>\nDescription: t\n"}});
    fs::create_symlink("ofs_x.ko", dir + "/lib/modules/" + kK + "/extra/acme/alias.ko");
    std::string deb = work_ + "/acme-" + z + ".deb";
    pkgfix::must_run("dpkg-deb --root-owner-group -Z" + z + " -b " + pkgfix::q(dir) + " " +
                     pkgfix::q(deb));
    Seen s;
    auto info = read_all(deb, s);
    ASSERT_TRUE(info) << z << ": " << to_string(info.error());
    EXPECT_EQ(info->format, "deb");
    EXPECT_EQ(info->payload, z == "none"   ? std::string("data.tar")
                             : z == "gzip" ? std::string("data.tar.gz")
                             : z == "zstd" ? std::string("data.tar.zst")
                                           : "data.tar." + z);
    EXPECT_EQ(info->compression, z == "none" ? "none" : z) << z;
    EXPECT_EQ(info->name, "acme-x");
    EXPECT_EQ(info->version, "1");
    EXPECT_EQ(info->arch, "amd64");
    EXPECT_EQ(s.files["lib/modules/" + kK + "/extra/acme/ofs_x.ko"], std::string(70000, 'k'));
    EXPECT_EQ(s.files["etc/depmod.d/zz01-acme-ofs_x.conf"], "override ofs_x * extra/acme\n");
    EXPECT_EQ(s.links["lib/modules/" + kK + "/extra/acme/alias.ko"], "ofs_x.ko");
    EXPECT_GT(s.dirs, 3u);
  }
}

TEST_F(PackageTest, RpmVendorLayoutGzipAndZstd) {
  std::string rpm = pkgfix::build_rpm(work_, "kmod-acme-x", "1.0", "1", payload());
  Seen s;
  auto info = read_all(rpm, s);
  ASSERT_TRUE(info) << to_string(info.error());
  EXPECT_EQ(info->format, "rpm");
  EXPECT_EQ(info->payload, "cpio");
  EXPECT_FALSE(info->compression.empty());
  EXPECT_EQ(info->name, "kmod-acme-x");
  EXPECT_EQ(info->version, "1.0-1");
  EXPECT_EQ(info->arch, "x86_64");
  EXPECT_EQ(s.files["lib/modules/" + kK + "/extra/acme/ofs_x.ko"], std::string(70000, 'k'));
  EXPECT_EQ(s.files["etc/depmod.d/zz01-acme-ofs_x.conf"], "override ofs_x * extra/acme\n");
  // The zstd payload of the seed corpus (rpmbuild -D '_binary_payload w19.zstdio').
  Seen z;
  auto zi = read_all(testdata::source_dir() + "/fuzz/corpus/package/seed-zstd.rpm", z);
  ASSERT_TRUE(zi) << to_string(zi.error());
  EXPECT_EQ(zi->compression, "zstd");
  EXPECT_EQ(z.files["etc/depmod.d/zz01-acme-x.conf"], "override x * extra/acme\n");
}

TEST_F(PackageTest, CorruptAndTruncatedPackagesNameTheFile) {
  std::string rpm = pkgfix::build_rpm(work_, "kmod-acme-x", "1.0", "1", payload());
  std::string deb = pkgfix::build_deb(work_, "acme-x", "1.0", payload());
  for (const std::string& src : {rpm, deb}) {
    auto whole = read_file_buffer(src);
    ASSERT_TRUE(whole);
    for (uint64_t cut : {uint64_t{3}, uint64_t{100}, whole->size() / 2, whole->size() - 20}) {
      std::string bad = src + ".cut" + std::to_string(cut);
      {
        std::ofstream o(bad, std::ios::binary);
        o.write(reinterpret_cast<const char*>(whole->data()), static_cast<std::streamsize>(cut));
      }
      Seen s;
      auto r = read_all(bad, s);
      ASSERT_FALSE(r) << bad << " read although cut at " << cut;
      EXPECT_EQ(r.error().where.path, bad);
      EXPECT_NE(to_string(r.error()).find(bad), std::string::npos) << to_string(r.error());
    }
  }
  std::string junk = work_ + "/junk.deb";
  std::ofstream(junk) << "this is not a package at all";
  Seen s;
  auto r = read_all(junk, s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a package"), std::string::npos);
}

TEST(PackagePath, NormalisesAndRejectsDotDot) {
  EXPECT_EQ(*normalize_package_path("./lib//modules/./x.ko", "p"), "lib/modules/x.ko");
  EXPECT_EQ(*normalize_package_path("/etc/depmod.d/", "p"), "etc/depmod.d");
  EXPECT_EQ(*normalize_package_path("./", "p"), "");
  EXPECT_FALSE(normalize_package_path("./lib/../../etc/passwd", "p"));
}

TEST(PackageCaps, EntryAndSizeCapsHold) {
  std::string seed = testdata::source_dir() + "/fuzz/corpus/package/seed-xz.deb";
  PackageOptions o;
  o.max_entries = 2;
  auto r = read_package(
      seed, [](const PackageEntry&, std::span<const std::byte>) -> Result<void> { return {}; }, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  PackageOptions f;
  f.max_file = 3;
  r = read_package(
      seed, [](const PackageEntry&, std::span<const std::byte>) -> Result<void> { return {}; }, f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
}

/// seed.rpm's lead and headers (the payload offset found as read_rpm() finds it) with `cpio`
/// as an uncompressed payload.
std::string rpm_with_payload(const std::string& cpio) {
  auto seed = read_file_buffer(testdata::source_dir() + "/fuzz/corpus/package/seed.rpm");
  if (!seed) return {};
  const auto* b = reinterpret_cast<const unsigned char*>(seed->data());
  auto be32 = [](const unsigned char* q) {
    return uint64_t{q[0]} << 24 | uint64_t{q[1]} << 16 | uint64_t{q[2]} << 8 | uint64_t{q[3]};
  };
  uint64_t pos = 96;
  for (int h = 0; h < 2; ++h) {
    uint64_t end = pos + 16 + be32(b + pos + 8) * 16 + be32(b + pos + 12);
    pos = h == 0 ? (end + 7) / 8 * 8 : end;
  }
  return std::string(reinterpret_cast<const char*>(b), pos) + cpio;
}

/// One newc entry (cpio(5)); `namesize`/`filesize` override the true sizes when non-zero.
std::string newc(const std::string& name, const std::string& data, uint32_t namesize = 0,
                 uint32_t filesize = 0) {
  std::string h = fmt::format(
      "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}", 1,
      0100644, 0, 0, 1, 0, filesize ? filesize : data.size(), 0, 0, 0, 0,
      namesize ? namesize : name.size() + 1, 0);
  h += name;
  h += '\0';
  while (h.size() % 4) h += '\0';
  h += data;
  while (h.size() % 4) h += '\0';
  return h;
}

Result<PackageInfo> read_rpm_bytes(const std::string& bytes, Seen& s) {
  return read_package_bytes(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()),
      "x.rpm", [&](const PackageEntry& e, std::span<const std::byte> d) -> Result<void> {
        s.files[e.path] = std::string(reinterpret_cast<const char*>(d.data()), d.size());
        return {};
      });
}

// The fuzz finding: a cpio header whose size fields promise ~4 GiB made libarchive's cpio
// reader allocate that much (its read-ahead for the name). Every header is now checked against
// the decompressed payload first; the error names the package file and the entry.
TEST(PackageRpmCpio, HeaderSizesAreBoundedByThePayload) {
  const std::string ok = newc("./etc/a.conf", "hello\n") + newc("TRAILER!!!", "");
  Seen s;
  auto r = read_rpm_bytes(rpm_with_payload(ok), s);
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->compression, "none");
  EXPECT_EQ(r->name, "ofs-seed");  // seed.rpm's header
  EXPECT_EQ(s.files["etc/a.conf"], "hello\n");

  Seen s1;
  r = read_rpm_bytes(rpm_with_payload(newc("./etc/a.conf", "hello\n", 0xfffffff0)), s1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
  EXPECT_EQ(to_string(r.error()),
            "x.rpm: rpm payload: cpio entry 0 at offset 0x0: name size 0xfffffff0 (expected 0x1 "
            "to 0x1000)");

  Seen s2;
  r = read_rpm_bytes(rpm_with_payload(newc("./etc/a.conf", "x") +
                                      newc("./etc/b.conf", "hello\n", 0, 0xfffffff0) +
                                      newc("TRAILER!!!", "")),
                     s2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTruncated);
  // Entry 0: 0x6e header + 13-byte name, padded → 0x7c, + 1 byte, padded → entry 1 at 0x80.
  // Entry 1's data starts at 0xfc: its 6 bytes padded to 8, then the 0x7c-byte trailer entry.
  EXPECT_EQ(to_string(r.error()),
            "x.rpm: rpm payload: cpio entry 1 './etc/b.conf' at offset 0x80: declared size "
            "0xfffffff0 exceeds the 0x84 bytes left in the decompressed payload");
  EXPECT_TRUE(s2.files.empty());  // refused before the first entry was handed out

  Seen s3;
  r = read_rpm_bytes(rpm_with_payload(newc("./etc/a.conf", "x", 0x800)), s3);
  ASSERT_FALSE(r);
  EXPECT_EQ(to_string(r.error()),
            "x.rpm: rpm payload: cpio entry 0 at offset 0x0: name size 0x800 exceeds the 0x12 "
            "bytes left in the decompressed payload");

  Seen s4;
  r = read_rpm_bytes(rpm_with_payload("0707" + newc("./etc/a.conf", "x").substr(4, 50)), s4);
  ASSERT_FALSE(r);
  EXPECT_EQ(to_string(r.error()),
            "x.rpm: rpm payload: cpio entry 0 at offset 0x0: the header needs 0x6e bytes, 0x36 "
            "remain");

  // The corpus regression (gzip payload, name size 0xfffffff0 in the first header).
  auto crash =
      read_file_buffer(testdata::source_dir() + "/fuzz/corpus/package/oom-cpio-namesize.rpm");
  ASSERT_TRUE(crash);
  auto c = read_package_bytes(crash->span(), "oom.rpm",
                              [](const PackageEntry&, std::span<const std::byte>) -> Result<void> {
                                return {};
                              });
  ASSERT_FALSE(c);
  EXPECT_EQ(to_string(c.error()),
            "oom.rpm: rpm payload: cpio entry 0 at offset 0x0: name size 0xfffffff0 (expected 0x1 "
            "to 0x1000)");
}

// The decompressed payload is held whole, so it is capped (max_total) as it is inflated.
TEST(PackageRpmCpio, DecompressedPayloadIsCapped) {
  const std::string big = newc("./a", std::string(100000, 'a')) + newc("TRAILER!!!", "");
  PackageOptions o;
  o.max_total = 50000;
  auto bytes = rpm_with_payload(big);
  auto r = read_package_bytes(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()),
      "big.rpm", [](const PackageEntry&, std::span<const std::byte>) -> Result<void> { return {}; },
      o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(to_string(r.error()),
            "big.rpm: rpm payload (none): decompresses to more than the cap of 0xc350 bytes");
}

TEST(FuzzCorpus, PackageCorpusReplays) {
  std::string dir = testdata::source_dir() + "/fuzz/corpus/package";
  size_t n = 0, ok = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto b = read_file_buffer(e.path().string());
    ASSERT_TRUE(b);
    PackageOptions o;
    o.max_total = 16 << 20;
    auto r = read_package_bytes(
        b->span(), e.path().string(),
        [](const PackageEntry&, std::span<const std::byte>) -> Result<void> { return {}; }, o);
    ++n;
    ok += r.has_value();
    if (e.path().filename().string().starts_with("seed")) {
      EXPECT_TRUE(r) << e.path() << ": " << to_string(r.error());
    } else {
      EXPECT_FALSE(r) << e.path();
    }
  }
  EXPECT_GE(n, 6u);
  EXPECT_GE(ok, 5u);
}

}  // namespace
}  // namespace ofsck::read
