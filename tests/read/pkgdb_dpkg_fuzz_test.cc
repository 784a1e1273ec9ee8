/// Replays fuzz/corpus/dpkg_status/* through load_dpkg_db() as fuzz/dpkg_status_fuzz.cc does,
/// so every input the fuzzer keeps stays a regression test; and checks the seed status file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "read/pkgdb/pkgdb.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

namespace fs = std::filesystem;

TEST(FuzzCorpus, DpkgStatus) {
  fs::path dir = fs::path(testdata::source_dir()) / "fuzz/corpus/dpkg_status";
  std::string root = testdata::make_temp_dir("dpkg-corpus");
  fs::create_directories(root + "/var/lib/dpkg/info");
  std::ofstream(root + "/var/lib/dpkg/info/kmod.list") << "/bin/kmod\n/sbin/depmod\n";
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    SCOPED_TRACE(e.path().filename().string());
    fs::copy_file(e.path(), root + "/var/lib/dpkg/status", fs::copy_options::overwrite_existing);
    auto db = load_dpkg_db(root);
    ASSERT_TRUE(db) << to_string(db.error());
    EXPECT_TRUE(db->have_dpkg);
    if (e.path().filename() == "status") {
      // kmod, linux-image (no list: a problem) and the config-files package are on disk;
      // the not-installed one is not.
      ASSERT_EQ(db->packages.size(), 3u);
      EXPECT_EQ(db->packages[0].name, "kmod");
      EXPECT_EQ(db->packages[0].version, "30+20221128-1");
      EXPECT_EQ(db->packages[2].state, "config-files");
      ASSERT_TRUE(db->owners("/sbin/depmod"));
    }
    ++n;
  }
  EXPECT_GE(n, 3u);
  fs::remove_all(root);
}

TEST(DpkgStatus, IllegalPackageNameOpensNothingOutsideInfo) {
  // A status entry named "../../../etc/x" would make info/<name>.list point outside
  // /var/lib/dpkg/info; dpkg's pkg_name_is_illegal() refuses it, and so does the reader.
  std::string root = testdata::make_temp_dir("dpkg-illegal");
  fs::create_directories(root + "/var/lib/dpkg/info");
  fs::create_directories(root + "/etc");
  std::ofstream(root + "/etc/x.list") << "/lib/modules/6.1.0-56-amd64/kernel/evil.ko\n";
  std::ofstream(root + "/var/lib/dpkg/status")
      << "Package: ../../../etc/x\nStatus: install ok installed\nVersion: 1\n\n";
  auto db = load_dpkg_db(root);
  ASSERT_TRUE(db) << to_string(db.error());
  EXPECT_FALSE(db->owners("/lib/modules/6.1.0-56-amd64/kernel/evil.ko"));
  ASSERT_EQ(db->problems.size(), 1u);
  EXPECT_NE(db->problems[0].message.find("illegal package name"), std::string::npos);
  fs::remove_all(root);
}

}  // namespace
}  // namespace ofsck::read
