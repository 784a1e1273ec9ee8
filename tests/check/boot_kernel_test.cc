// Which kernel boots next, on temporary roots whose module trees are links to the cached
// Debian trees (6.1.0-47-amd64 and 6.1.0-56-amd64).
#include "check/boot_kernel.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "read/text_test_util.hpp"
#include "testdata.hpp"

namespace ofsck::check {
namespace {

namespace fs = std::filesystem;
using text_test::write_file;

constexpr const char* kOld = testdata::kOld61;
constexpr const char* kNew = testdata::kNew61;

/// A root with the module trees of both cached 6.1 kernels.
struct TwoKernels {
  text_test::TempRoot t;
  std::string root = t.path;
  TwoKernels() {
    fs::create_directories(root + "/lib/modules");
    fs::create_directories(root + "/boot");
    for (const char* k : {kOld, kNew})
      fs::create_directory_symlink(testdata::module_dir(k), root + "/lib/modules/" + k);
  }
  void grubenv(const std::string& assignments) const {
    std::string block = "# GRUB Environment Block\n" + assignments;
    block.resize(1024, '#');
    write_file(root, "/boot/grub/grubenv", block);
  }
};

std::string grub_cfg(const std::string& default_line) {
  std::string s = "if [ -s $prefix/grubenv ]; then\n  load_env\nfi\n"
                  "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\nelse\n   " +
                  default_line + "\nfi\n";
  s += "menuentry 'Debian GNU/Linux' $menuentry_id_option 'gnulinux-simple-u' {\n"
       "\tlinux\t/boot/vmlinuz-6.1.0-56-amd64 root=UUID=u ro quiet\n}\n"
       "submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option "
       "'gnulinux-advanced-u' {\n";
  for (const char* k : {kNew, kOld})
    s += std::string("\tmenuentry 'Debian GNU/Linux, with Linux ") + k +
         "' $menuentry_id_option 'gnulinux-" + k + "-advanced-u' {\n\t\tlinux\t/boot/vmlinuz-" + k +
         " root=UUID=u ro quiet\n\t}\n";
  return s + "}\n";
}

#define REQUIRE_TREES()                           \
  OFSCK_REQUIRE_DATA(testdata::module_dir(kOld)); \
  OFSCK_REQUIRE_DATA(testdata::module_dir(kNew))

TEST(BootKernel, NewestInstalledWithoutBootLoader) {
  REQUIRE_TREES();
  TwoKernels r;
  fs::create_directories(r.root + "/lib/modules/kabi-current");
  EXPECT_EQ(installed_kernels(r.root), (std::vector<std::string>{kNew, kOld}));
  auto b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kNew);
  EXPECT_EQ(b->source, "newest");
  EXPECT_EQ(b->reason, "the newest of 2 installed kernels (no boot loader configuration found)");
  EXPECT_EQ(b->running, "");
}

TEST(BootKernel, GrubSavedEntryInSubmenu) {
  REQUIRE_TREES();
  TwoKernels r;
  write_file(r.root, "/boot/grub/grub.cfg", grub_cfg("set default=\"${saved_entry}\""));
  const std::string saved = std::string("gnulinux-advanced-u>gnulinux-") + kOld + "-advanced-u";
  r.grubenv("saved_entry=" + saved + "\n");
  write_file(r.root, "/etc/default/grub", "GRUB_DEFAULT=saved\n");
  auto b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kOld);
  EXPECT_EQ(b->source, "grub");
  EXPECT_EQ(b->reason, "next boot: GRUB saved_entry '" + saved +
                           "' in /boot/grub/grubenv, entry 'Advanced options for Debian "
                           "GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-47-amd64'");
  // grub-reboot's next_entry wins, once.
  r.grubenv("saved_entry=" + saved + "\nnext_entry=0\n");
  b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kNew);
  EXPECT_NE(b->reason.find("GRUB next_entry '0'"), std::string::npos) << b->reason;
}

TEST(BootKernel, GrubDefaultIndexAndStaleDefaultFile) {
  REQUIRE_TREES();
  TwoKernels r;
  write_file(r.root, "/boot/grub/grub.cfg", grub_cfg("set default=\"1>1\""));
  write_file(r.root, "/etc/default/grub", "GRUB_DEFAULT=0\n");
  auto b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kOld);
  EXPECT_NE(b->reason.find("GRUB default '1>1' in /boot/grub/grub.cfg:7"), std::string::npos)
      << b->reason;
  EXPECT_NE(b->reason.find("GRUB_DEFAULT=0 in /etc/default/grub is not in grub.cfg yet"),
            std::string::npos)
      << b->reason;
}

TEST(BootKernel, GrubEntryWithoutModuleTreeFallsBack) {
  REQUIRE_TREES();
  TwoKernels r;
  std::string cfg = "set default=\"0\"\nmenuentry 'old' {\n linux /vmlinuz-5.10.0-28-amd64\n}\n";
  write_file(r.root, "/boot/grub/grub.cfg", cfg);
  fs::create_symlink("vmlinuz-6.1.0-47-amd64", r.root + "/boot/vmlinuz");
  auto b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kOld);
  EXPECT_EQ(b->source, "vmlinuz-link");
  EXPECT_EQ(b->reason,
            "next boot: /boot/vmlinuz -> vmlinuz-6.1.0-47-amd64; not used: GRUB default '0' in "
            "/boot/grub/grub.cfg:1, entry 'old' boots 5.10.0-28-amd64, which has no module tree "
            "under " +
                r.root + "/lib/modules or " + r.root + "/usr/lib/modules");
}

TEST(BootKernel, VmlinuzLinkToAMissingKernelFallsBackToNewest) {
  REQUIRE_TREES();
  TwoKernels r;
  fs::create_symlink("boot/vmlinuz-5.10.0-28-amd64", r.root + "/vmlinuz");
  auto b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kNew);
  EXPECT_EQ(b->source, "newest");
  EXPECT_NE(b->reason.find("not used: /vmlinuz -> boot/vmlinuz-5.10.0-28-amd64 boots "
                           "5.10.0-28-amd64"),
            std::string::npos)
      << b->reason;
}

TEST(BootKernel, RhelGrubWithBlsSavedEntry) {
  REQUIRE_TREES();
  TwoKernels r;
  write_file(r.root, "/boot/grub2/grub.cfg",
             "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\nelse\n   set "
             "default=\"${saved_entry}\"\nfi\ninsmod blscfg\nblscfg\n");
  std::string block = "# GRUB Environment Block\nsaved_entry=ffff-6.1.0-47-amd64\n";
  block.resize(1024, '#');
  write_file(r.root, "/boot/grub2/grubenv", block);
  for (const char* k : {kOld, kNew})
    write_file(r.root, std::string("/boot/loader/entries/ffff-") + k + ".conf",
               std::string("title Linux ") + k + "\nversion " + k + "\nlinux /vmlinuz-" + k + "\n");
  auto b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kOld);
  EXPECT_EQ(b->source, "grub");
  // Without saved_entry: the first BLS entry, the newest.
  block = "# GRUB Environment Block\n";
  block.resize(1024, '#');
  write_file(r.root, "/boot/grub2/grubenv", block);
  b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kNew);
}

TEST(BootKernel, SystemdBootLoaderConfDefault) {
  REQUIRE_TREES();
  TwoKernels r;
  for (const char* k : {kOld, kNew})
    write_file(r.root, std::string("/efi/loader/entries/m-") + k + ".conf",
               std::string("title Debian\nversion ") + k + "\nlinux /m/" + k + "/linux\n");
  auto b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kNew);
  EXPECT_EQ(b->source, "bls");
  write_file(r.root, "/efi/loader/loader.conf", "timeout 3\ndefault m-6.1.0-47-*\n");
  b = next_boot_kernel(r.root);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->release, kOld);
  EXPECT_EQ(b->reason, "next boot: boot loader entry /efi/loader/entries/m-6.1.0-47-amd64.conf "
                       "(default 'm-6.1.0-47-*' in /efi/loader/loader.conf)");
}

TEST(BootKernel, NoModuleTree) {
  text_test::TempRoot t;
  auto b = next_boot_kernel(t.path);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kNotFound);
}

TEST(BootKernel, ReleaseOfImage) {
  text_test::TempRoot t;
  EXPECT_EQ(release_of_image(t.path, "/boot/vmlinuz-6.1.0-56-amd64"), "6.1.0-56-amd64");
  EXPECT_EQ(release_of_image(t.path, "/vmlinuz-5.14.0-427.el9.x86_64"), "5.14.0-427.el9.x86_64");
  EXPECT_EQ(release_of_image(t.path, "/mid/6.1.0-56-amd64/linux"), "6.1.0-56-amd64");
  EXPECT_EQ(release_of_image(t.path, "/boot/vmlinuz"), "");
  fs::create_directories(t.path + "/boot");
  fs::create_symlink("vmlinuz-6.1.0-47-amd64", t.path + "/boot/vmlinuz");
  EXPECT_EQ(release_of_image(t.path, "/boot/vmlinuz"), "6.1.0-47-amd64");
  EXPECT_EQ(release_of_image(t.path, "/vmlinuz"), "6.1.0-47-amd64");  // separate /boot
  fs::create_symlink("loop", t.path + "/boot/loop");                  // a link to itself ends
  EXPECT_EQ(release_of_image(t.path, "/boot/loop"), "");
}

}  // namespace
}  // namespace ofsck::check
