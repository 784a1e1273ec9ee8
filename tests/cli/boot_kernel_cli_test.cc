// The kernel `check` and `upgrade` choose by default (the one that boots next), `check -v`'s
// line saying why, and `check --all-kernels`, on a root whose two kernels are links to the
// cached Debian 6.1.0-47 and 6.1.0-56 trees, with GRUB set to boot 6.1.0-47.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testdata.hpp"

namespace ofsck {
namespace {

namespace fs = std::filesystem;
using testdata::run;

constexpr const char* kSaved = "gnulinux-advanced-u>gnulinux-6.1.0-47-amd64-advanced-u";

class TwoKernelRoot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* k : {testdata::kOld61, testdata::kNew61})
      if (!testdata::exists(testdata::tree(k))) return;
    root_ = testdata::make_temp_dir("bootkernel");
    for (const char* d : {"/lib/modules", "/boot/grub", "/usr/src"})
      fs::create_directories(root_ + d);
    for (const std::string k : {testdata::kOld61, testdata::kNew61}) {
      const std::string t = testdata::tree(k);
      fs::create_directory_symlink(testdata::module_dir(k), root_ + "/lib/modules/" + k);
      for (const std::string f : {"config-", "System.map-", "vmlinuz-"})
        fs::create_symlink(t + "/boot/" + f + k, root_ + "/boot/" + f + k);
      for (const auto& e : fs::directory_iterator(t + "/usr/src")) {
        std::error_code ec;  // linux-kbuild-6.1 is in both trees: the first link stays
        fs::create_directory_symlink(e.path(), root_ + "/usr/src/" + e.path().filename().string(),
                                     ec);
      }
    }
    std::ofstream(root_ + "/boot/grub/grub.cfg")
        << "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\nelse\n"
           "   set default=\"${saved_entry}\"\nfi\n"
           "menuentry 'Debian GNU/Linux' $menuentry_id_option 'gnulinux-simple-u' {\n"
           "\tlinux\t/boot/vmlinuz-6.1.0-56-amd64 root=UUID=u ro quiet\n}\n"
           "submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option "
           "'gnulinux-advanced-u' {\n"
           "\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-47-amd64' $menuentry_id_option "
           "'gnulinux-6.1.0-47-amd64-advanced-u' {\n"
           "\t\tlinux\t/boot/vmlinuz-6.1.0-47-amd64 root=UUID=u ro quiet\n\t}\n}\n";
    std::string env = std::string("# GRUB Environment Block\nsaved_entry=") + kSaved + "\n";
    env.resize(1024, '#');
    std::ofstream(root_ + "/boot/grub/grubenv") << env;
  }
  static void TearDownTestSuite() {
    if (!root_.empty()) fs::remove_all(root_);
  }
  void SetUp() override {
    OFSCK_REQUIRE_DATA(testdata::tree(testdata::kOld61));
    OFSCK_REQUIRE_DATA(testdata::tree(testdata::kNew61));
  }
  static std::string ofsck(const std::string& args, int* rc) {
    // One cache for the suite: each kernel's tree is read once.
    return run(testdata::ofsck_bin() + " " + args + " --cache-dir '" + root_ + "/.cache' --root '" +
                   root_ + "' 2>&1",
               rc);
  }
  static std::string root_;
};
std::string TwoKernelRoot::root_;

TEST_F(TwoKernelRoot, VerboseSaysWhichKernelAndWhy) {
  int rc = -1;
  std::string out = ofsck("check -q -v --no-verify-content --only ib_core", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(std::string("input: kernel: 6.1.0-47-amd64 (next boot: GRUB saved_entry '") +
                     kSaved +
                     "' in /boot/grub/grubenv, entry 'Advanced options for Debian "
                     "GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-47-amd64')\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("ofsck: 6.1.0-47-amd64 "), std::string::npos) << out;
  // --kernel overrides it, and says so.
  out = ofsck("check -q -v --no-verify-content --only ib_core -k 6.1.0-56-amd64", &rc);
  EXPECT_NE(out.find("input: kernel: 6.1.0-56-amd64 (--kernel)\n"), std::string::npos) << out;
}

TEST_F(TwoKernelRoot, JsonInputsCarryTheChoice) {
  int rc = -1;
  std::string out = ofsck("check -q --no-verify-content --only ib_core --format json", &rc);
  EXPECT_NE(out.find("\"kernel_release\": \"6.1.0-47-amd64\",\n    \"kernel_source\": \"grub\","),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"running_kernel\": null"), std::string::npos);
}

TEST_F(TwoKernelRoot, AllKernelsOneLineEach) {
  int rc = -1;
  std::string out = ofsck("check -q --no-verify-content --all-kernels", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out,
            "6.1.0-56-amd64: ok 4023 modules\n"
            "6.1.0-47-amd64: ok 4022 modules (next boot)\n"
            "ofsck: 2 kernels in " +
                root_ +
                ": 2 ok, 0 fail; next boot: 6.1.0-47-amd64 (next "
                "boot: GRUB saved_entry '" +
                kSaved +
                "' in /boot/grub/grubenv, entry 'Advanced "
                "options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-47-amd64')\n");
}

TEST_F(TwoKernelRoot, AllKernelsJsonAndUsage) {
  int rc = -1;
  std::string out = ofsck("check -q --no-verify-content --all-kernels --format json", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"kernels\": [\n    {\n      \"kernel_release\": \"6.1.0-56-amd64\",\n"
                     "      \"verdict\": \"ok\",\n      \"next_boot\": false,"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"next_boot\": {\n    \"kernel_release\": \"6.1.0-47-amd64\","),
            std::string::npos)
      << out;
  out = ofsck("check -q --all-kernels -k 6.1.0-56-amd64", &rc);
  EXPECT_EQ(rc, 2) << out;
}

TEST(AllKernels, EmptyRootExits3) {
  const std::string root = testdata::make_temp_dir("nokernel");
  int rc = -1;
  std::string out =
      run(testdata::ofsck_bin() + " check -q --all-kernels --root '" + root + "' 2>&1", &rc);
  EXPECT_EQ(rc, 3) << out;
  fs::remove_all(root);
}

TEST_F(TwoKernelRoot, UpgradeDefaultsToTheNextBootKernel) {
  // GRUB boots 6.1.0-47 next and the root's other kernel is 6.1.0-56: FROM 56, TO 47.
  int rc = -1;
  std::string out = ofsck("upgrade -q --no-verify-content", &rc);
  EXPECT_NE(out.find("ofsck: note: --to 6.1.0-47-amd64 (next boot: GRUB saved_entry"),
            std::string::npos)
      << out;
  EXPECT_TRUE(rc == 0 || rc == 1) << out;
}

}  // namespace
}  // namespace ofsck
