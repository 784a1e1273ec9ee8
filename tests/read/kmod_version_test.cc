// Which kmod a root runs: its dpkg database, RPM database or kmod binary. The real inputs are
// this machine's (Debian 12: kmod 30+20221128-1) and, when scripts/fetch-kmod.sh fetched it,
// Debian sid's kmod 34 binary.
#include "read/kmod_version.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "read/text/text_util.hpp"
#include "read/text_test_util.hpp"

using namespace ofsck;
using namespace ofsck::read;
using text_test::TempRoot;
using text_test::write_file;

TEST(KmodVersion, Major) {
  EXPECT_EQ(kmod_major("30+20221128-1"), 30);
  EXPECT_EQ(kmod_major("34.2-2+b2"), 34);
  EXPECT_EQ(kmod_major("1:34.2-2"), 34);
  EXPECT_EQ(kmod_major("34.2"), 34);
  EXPECT_EQ(kmod_major("v34"), 0);
  EXPECT_EQ(kmod_major(""), 0);
}

TEST(KmodVersion, BinaryString) {
  using namespace std::string_literals;
  EXPECT_EQ(kmod_version_in_binary("xx\0kmod version 34.2\0+ZSTD"s), "34.2");
  // The help text and printf formats are not the literal.
  EXPECT_EQ(kmod_version_in_binary("kmod version %s\0kmod version 30\0"s), "30");
  EXPECT_EQ(kmod_version_in_binary("kmod version "s), "");
}

TEST(KmodVersion, DpkgStatus) {
  const std::string st = "Package: kmodx\nStatus: install ok installed\nVersion: 99\n\n"
                         "Package: kmod\nStatus: deinstall ok config-files\nVersion: 28-1\n\n"
                         "Package: kmod\nStatus: install ok installed\nPriority: important\n"
                         "Description: tools\n more text\nVersion: 34.2-2+b2\n";
  EXPECT_EQ(kmod_version_in_dpkg_status(st), "34.2-2+b2");
  EXPECT_EQ(kmod_version_in_dpkg_status("Package: kmod\nStatus: install ok half-installed\n"
                                        "Version: 30\n"),
            "");
}

TEST(KmodVersion, ThisMachine) {
  // Debian 12's own kmod: the dpkg database says 30, and so does its binary.
  model::KmodVersion v = detect_kmod_version("/");
  EXPECT_TRUE(v.detected);
  EXPECT_EQ(v.major, 30) << v.source;
  EXPECT_NE(v.source.find("/var/lib/dpkg/status"), std::string::npos) << v.source;
  Result<std::string> bin = read_text_file("/usr/bin/kmod", uint64_t{64} << 20);
  ASSERT_TRUE(bin);
  EXPECT_EQ(kmod_version_in_binary(*bin), "30");
}

TEST(KmodVersion, RootWithOnlyABinaryOrNothing) {
  TempRoot r;
  model::KmodVersion none = detect_kmod_version(r.path);
  EXPECT_FALSE(none.detected);
  EXPECT_EQ(none.major, 30);
  EXPECT_NE(none.source.find("assumed"), std::string::npos);
  // sid's real kmod 34 binary, when fetched; else this machine's binary.
  std::string src = "/usr/bin/kmod";
  int want = 30;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(testdata::cache_dir() + "/kmod", ec))
    if (std::filesystem::exists(e.path() / "root/usr/bin/kmod")) {
      src = (e.path() / "root/usr/bin/kmod").string();
      want = kmod_major(e.path().filename().string());
    }
  std::filesystem::create_directories(r.path + "/usr/bin");
  std::filesystem::copy_file(src, r.path + "/usr/bin/kmod");
  model::KmodVersion v = detect_kmod_version(r.path);
  EXPECT_TRUE(v.detected);
  EXPECT_EQ(v.major, want) << v.source;
  EXPECT_NE(v.source.find("/usr/bin/kmod"), std::string::npos);
  // The package database comes first.
  write_file(r.path, "var/lib/dpkg/status",
             "Package: kmod\nStatus: install ok installed\nVersion: 33-1\n");
  EXPECT_EQ(detect_kmod_version(r.path).major, 33);
}
