// OFS217: firmware= files of modules that will be loaded, searched as request_firmware() does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "check/firmware.hpp"
#include "testdata.hpp"

namespace ofsck {
namespace {

TEST(FirmwareMissing, SearchOrderAndSuffixes) {
  const std::string k = testdata::kNew61;
  const std::string t = testdata::module_dir(k);
  OFSCK_REQUIRE_DATA(t);
  const std::string r = testdata::make_temp_dir("fw");
  const std::string md = r + "/lib/modules/" + k;
  int st = 0;
  // r8169 and its dependencies; every firmware file it names is installed somewhere in the
  // search path (plain, .xz, .zst; updates/<release>, updates/, <release>/, plain) except one.
  testdata::run("mkdir -p " + md + "/kernel " + r +
                    "/lib/firmware && for m in "
                    "drivers/net/ethernet/realtek/r8169.ko drivers/net/phy/libphy.ko "
                    "drivers/net/phy/mdio_devres.ko drivers/net/phy/realtek.ko; do cp " +
                    t + "/kernel/$m " + md + "/kernel/; done && depmod -b " + r + " " + k +
                    " 2>/dev/null",
                &st);
  ASSERT_EQ(st, 0);
  std::string fws = testdata::run("modinfo -F firmware " + md + "/kernel/r8169.ko");
  std::vector<std::string> list;
  for (size_t pos = 0; pos < fws.size();) {
    size_t e = fws.find('\n', pos);
    list.push_back(fws.substr(pos, e - pos));
    pos = e + 1;
  }
  ASSERT_GT(list.size(), 5u);
  const std::string dirs[] = {"lib/firmware/updates/" + k, "lib/firmware/updates",
                              "lib/firmware/" + k, "lib/firmware"};
  const char* sufs[] = {"", ".xz", ".zst"};
  for (size_t i = 1; i < list.size(); ++i) {  // list[0] stays missing
    std::string p = r + "/" + dirs[i % 4] + "/" + list[i] + sufs[i % 3];
    testdata::run("mkdir -p \"$(dirname '" + p + "')\" && touch '" + p + "'");
  }
  int rc = -1;
  std::string out = testdata::run(testdata::ofsck_bin() + " check -q --no-cache --root " + r +
                                      " --only r8169 --format json",
                                  &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("OFS217"), std::string::npos) << out;
  EXPECT_NE(out.find("Direct firmware load for " + list[0] + " failed with error -2"),
            std::string::npos);
  for (size_t i = 1; i < list.size(); ++i)
    EXPECT_EQ(out.find("Direct firmware load for " + list[i] + " "), std::string::npos) << list[i];
  // Whole-tree mode summarises in-tree modules as one note.
  out = testdata::run(testdata::ofsck_bin() + " check -q --no-cache --root " + r, &rc);
  EXPECT_NE(out.find("note[OFS219]: 1 in-tree modules name 1 firmware files"), std::string::npos)
      << out;
  testdata::run("rm -rf " + r);
}

// The on-disk search: <root>/lib/firmware and <root>/usr/lib/firmware (a root that is not
// merged-/usr), a merged root (lib -> usr/lib, searched once), a name with a leading '/', and a
// root without any firmware directory.
TEST(FirmwareMissing, DiskSearchAcrossUsrAndMergedRoots) {
  namespace fs = std::filesystem;
  const std::string k = "6.1.0-56-amd64";
  const std::string r = testdata::make_temp_dir("fwdisk");
  auto touch = [](const std::string& p) {
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p) << "x";
  };
  // Split root: one file under lib/, one under usr/lib/<release>/, one under updates/.
  touch(r + "/split/lib/firmware/a/one.bin");
  touch(r + "/split/usr/lib/firmware/" + k + "/two.bin.zst");
  touch(r + "/split/lib/firmware/updates/three.bin.xz");
  {
    check::DiskFirmware fw(r + "/split", k);
    EXPECT_TRUE(fw.exists("a/one.bin"));
    EXPECT_TRUE(fw.exists("two.bin"));
    EXPECT_TRUE(fw.exists("three.bin"));
    EXPECT_TRUE(fw.exists("/a/one.bin"));  // the kernel only doubles the '/'
    EXPECT_FALSE(fw.exists("a/one.bin.xz.missing"));
    EXPECT_FALSE(fw.exists("two.bin.zst.zst"));
    EXPECT_FALSE(fw.exists(""));
    EXPECT_FALSE(fw.exists("/"));
  }
  // Merged root: lib is a symlink to usr/lib.
  touch(r + "/merged/usr/lib/firmware/four.bin");
  fs::create_directory_symlink("usr/lib", r + "/merged/lib");
  {
    check::DiskFirmware fw(r + "/merged", k);
    EXPECT_TRUE(fw.exists("four.bin"));
    EXPECT_FALSE(fw.exists("five.bin"));
  }
  // No firmware directory at all, and a root that does not exist.
  fs::create_directories(r + "/bare/lib");
  EXPECT_FALSE(check::DiskFirmware(r + "/bare", k).exists("four.bin"));
  EXPECT_FALSE(check::DiskFirmware(r + "/absent", k).exists("four.bin"));
  // Same answers as the generic search over the same files.
  auto on_disk = [&](const std::string& rel) { return fs::exists(r + "/split/" + rel); };
  EXPECT_EQ(check::find_firmware(on_disk, k, "a/one.bin"), "lib/firmware/a/one.bin");
  fs::remove_all(r);
}

}  // namespace
}  // namespace ofsck
