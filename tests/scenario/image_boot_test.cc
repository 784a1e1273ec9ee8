// The real boot as the judge of `ofsck image`: the image is booted under QEMU (TCG) with the
// Debian 6.1 kernel it was made for, kmod's own modprobe runs in it
// (scripts/qemu-image-modprobe.sh), and /proc/modules is compared with ofsck's verdicts. Case:
// a dependency file listed in the image's modules.dep is missing. libkmod drops the whole list,
// so none of the chain is inserted; the control (file present) inserts all of it.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <set>
#include <sstream>

#include "check/rules.hpp"
#include "scenario/image_util.hpp"

namespace ofsck::check {
namespace {

using namespace image_util;
namespace fs = std::filesystem;

struct Booted {
  int status = 0;  ///< of the script: 0 = the guest ran to the end
  std::string out;
  int modprobe = -1;  ///< modprobe's exit status in the guest
  std::set<std::string> loaded;
};

/// Boots `img` with the 6.1.0-56 kernel, runs `modprobe module` in it.
Booted boot(const std::string& img, const std::string& module) {
  Booted b;
  const std::string kernel = testdata::tree(kKver) + "/boot/vmlinuz-" + kKver;
  b.out = testdata::run(fmt::format("{}/scripts/qemu-image-modprobe.sh {} {} {} 2>&1",
                                    testdata::source_dir(), kernel, img, module),
                        &b.status);
  std::istringstream in(b.out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("OFSCK-MODPROBE ")) b.modprobe = std::stoi(line.substr(15));
    if (line.starts_with("OFSCK-LOADED ")) b.loaded.insert(line.substr(13));
  }
  return b;
}

bool have_tools() {
  int st = 0;
  testdata::run("command -v qemu-system-x86_64 >/dev/null && [ -x /usr/bin/kmod ] && "
                "! ldd /bin/busybox >/dev/null 2>&1",
                &st);
  return st == 0;
}

TEST(ImageBoot, DroppedDependencyListMatchesRealModprobe) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  if (!have_tools()) {
    if (getenv("OFSCK_ALLOW_MISSING_TESTDATA"))
      GTEST_SKIP() << "qemu-system-x86_64, kmod or a static busybox missing";
    FAIL() << "qemu-system-x86_64, kmod or busybox-static missing (scripts/install-deps.sh)";
  }
  std::string dir = testdata::make_temp_dir("image-boot");
  fs::create_directories(dir + "/full");
  fs::create_directories(dir + "/cut");
  std::string full = build_image(dir + "/full");
  std::string cut =
      build_image(dir + "/cut", "rm stage/usr/lib/modules/$K/kernel/fs/configfs/configfs.ko");
  auto f_full = std::async(std::launch::async, boot, full, "rdma_cm");
  auto f_cut = std::async(std::launch::async, boot, cut, "rdma_cm");
  Booted b_full = f_full.get(), b_cut = f_cut.get();
  const std::set<std::string> chain = {"rdma_cm", "ib_core", "iw_cm", "ib_cm", "configfs"};

  // Control: everything loads, in the boot and in ofsck's verdict.
  ASSERT_EQ(b_full.status, 0) << b_full.out;
  EXPECT_EQ(b_full.modprobe, 0) << b_full.out;
  EXPECT_EQ(b_full.loaded, chain) << b_full.out;
  auto r_full = inspect_image(options(full, {"rdma_cm"}));
  ASSERT_TRUE(r_full) << to_string(r_full.error());
  std::set<std::string> predicted;
  for (const auto& m : r_full->result.modules)
    if (m.loads) predicted.insert(m.name);
  EXPECT_EQ(predicted, b_full.loaded);
  EXPECT_EQ(errors(*r_full), 0u);

  // configfs.ko gone: modprobe fails, nothing of the chain is in /proc/modules, and ofsck
  // predicts no module of the chain loading, with one finding naming the file.
  ASSERT_EQ(b_cut.status, 0) << b_cut.out;
  EXPECT_NE(b_cut.modprobe, 0) << b_cut.out;
  EXPECT_TRUE(b_cut.loaded.empty()) << b_cut.out;
  EXPECT_NE(b_cut.out.find("kmod_module_parse_depline"), std::string::npos) << b_cut.out;
  auto r_cut = inspect_image(options(cut, {"rdma_cm"}));
  ASSERT_TRUE(r_cut) << to_string(r_cut.error());
  predicted.clear();
  for (const auto& m : r_cut->result.modules)
    if (m.loads) predicted.insert(m.name);
  EXPECT_EQ(predicted, b_cut.loaded);
  auto missing = with_rule(*r_cut, kImageModuleMissing);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]->subject, "rdma_cm");
  EXPECT_NE(missing[0]->message.find("kernel/fs/configfs/configfs.ko"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ofsck::check
