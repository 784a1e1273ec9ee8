// `ofsck image` on real initramfs images: real Debian 6.1 modules, depmod-built modules.dep,
// early microcode cpio + zstd/gzip main cpio as initramfs-tools and dracut write them, and
// images made by mkinitramfs and dracut themselves when they are installed.
#include "scenario/image.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "scenario/image_util.hpp"
#include "testdata.hpp"

namespace ofsck::check {
namespace {

namespace fs = std::filesystem;
using namespace image_util;  // build_image(), options(), with_rule(), errors()

/// Inspects the image of `o` into `r` and returns its one finding of `rule` about `subject`;
/// nullptr after a test failure when the image cannot be read or there is not exactly one.
const Finding* the_finding(const ImageOptions& o, std::string_view rule, std::string_view subject,
                           std::optional<ImageReport>& r) {
  auto rep = inspect_image(o);
  if (!rep) {
    ADD_FAILURE() << to_string(rep.error());
    return nullptr;
  }
  r = std::move(*rep);
  auto v = with_rule(*r, rule);
  EXPECT_EQ(v.size(), 1u) << rule << [&] {
    std::string all;
    for (const auto& f : r->result.findings)
      all += "\n" + f.rule + " " + f.subject + ": " + f.message;
    return all;
  }();
  if (v.size() != 1) return nullptr;
  EXPECT_EQ(v[0]->subject, subject);
  return v[0];
}

/// Exit status of `ofsck image IMG --root <the 6.1 tree> --need rdma_cm` (output dropped).
int need_rdma_cm_status(const std::string& img) {
  int st = 0;
  testdata::run(fmt::format("{} image {} --root {} --need rdma_cm >/dev/null 2>&1",
                            testdata::ofsck_bin(), img, testdata::tree(kKver)),
                &st);
  return st;
}

/// The stale-module finding for realtek of `img` (--need r8169) against the disk root `disk`.
const Finding* stale_realtek(const std::string& img, const std::string& disk,
                             std::optional<ImageReport>& r) {
  auto o = options(img, {"r8169"});
  o.node.spec.root = disk;
  o.node.spec.symvers = testdata::symvers(kKver);
  return the_finding(o, kImageStaleModule, "realtek", r);
}

class ImageTest : public ::testing::Test {
 protected:
  // The CLI runs share this process's module cache (the tree is read once per suite).
  static void SetUpTestSuite() {
    setenv("XDG_CACHE_HOME", testdata::process_cache_dir().c_str(), 1);
  }
  void SetUp() override { dir_ = testdata::make_temp_dir("image"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ImageTest, CompleteImageHasNoErrors) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  auto r = inspect_image(options(build_image(dir_), {"rdma_cm", "r8169"}));
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->kernel_release, kKver);
  EXPECT_EQ(r->module_dir, "usr/lib/modules/" + kKver);
  EXPECT_EQ(r->modules.size(), 9u);
  EXPECT_EQ(r->parts.size(), 2u);
  EXPECT_GE(r->firmware.size(), 10u);
  ASSERT_EQ(r->configs.size(), 1u);
  for (const auto& m : r->modules) EXPECT_TRUE(m.identical_on_disk) << m.name;
  EXPECT_EQ(errors(*r), 0u);
  for (const auto& f : r->result.findings)
    EXPECT_NE(f.severity, Severity::kError) << f.rule << " " << f.message;
  EXPECT_EQ(r->result.modules.size(), 9u);
  for (const auto& m : r->result.modules) EXPECT_TRUE(m.loads) << m.name;
  // r8169's firmware is all in the image: no firmware finding of either kind (check's OFS217
  // would look in the scratch tree, which holds no firmware).
  EXPECT_TRUE(with_rule(*r, kFirmwareMissing).empty());
  EXPECT_TRUE(with_rule(*r, kImageFirmwareMissing).empty());
  // CLI: exit 0, JSON carries the inventory.
  int st = 0;
  std::string out = testdata::run(fmt::format("{} image {}/image --root {} --need rdma_cm r8169 "
                                              "--format json",
                                              testdata::ofsck_bin(), dir_, testdata::tree(kKver)),
                                  &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("\"identical_on_disk\": true"), std::string::npos);
}

TEST_F(ImageTest, MissingHardDependency) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  // configfs.ko is removed after depmod: the image's modules.dep still lists it for rdma_cm.
  // libkmod (kmod_module_parse_depline, kmod 30 and 34) then drops rdma_cm's whole dependency
  // list: modprobe inserts rdma_cm alone, none of ib_core/iw_cm/ib_cm/configfs (the boot in
  // image_boot_test.cc shows it).
  std::string img = build_image(dir_, "rm stage/usr/lib/modules/$K/kernel/fs/configfs/configfs.ko");
  std::optional<ImageReport> r;
  const Finding* f = the_finding(options(img, {"rdma_cm"}), kImageModuleMissing, "rdma_cm", r);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("kernel/fs/configfs/configfs.ko, which the image lacks"),
            std::string::npos)
      << f->message;
  EXPECT_NE(f->message.find("not inserted: configfs, iw_cm, ib_cm, ib_core"), std::string::npos)
      << f->message;
  EXPECT_NE(f->hint.find("configfs.ko"), std::string::npos);  // on disk: add it
  // The image's own verdicts agree: rdma_cm fails, and its chain is not inserted, though each
  // of those modules loads on its own.
  std::set<std::string> failing;
  for (const auto& m : r->result.modules) {
    if (m.loads) continue;
    failing.insert(m.name);
    if (m.name == "rdma_cm") continue;
    EXPECT_EQ(m.failed_dependency, "configfs") << m.name;
    ASSERT_TRUE(m.own) << m.name;
    EXPECT_TRUE(m.own->loads) << m.name;
  }
  EXPECT_EQ(failing, (std::set<std::string>{"rdma_cm", "ib_core", "iw_cm", "ib_cm"}));
  EXPECT_EQ(need_rdma_cm_status(img), 1);
}

TEST_F(ImageTest, IntactChainKeepsSharedDependenciesLoading) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  // Two needed modules: rdma_cm's line is broken (iw_cm.ko lost), ib_cm's is intact and
  // inserts ib_core: ib_core and ib_cm load; rdma_cm fails and configfs is never inserted.
  std::string img =
      build_image(dir_, "rm stage/usr/lib/modules/$K/kernel/drivers/infiniband/core/iw_cm.ko");
  std::optional<ImageReport> r;
  const Finding* f =
      the_finding(options(img, {"rdma_cm", "ib_cm"}), kImageModuleMissing, "rdma_cm", r);
  ASSERT_NE(f, nullptr);
  for (const auto& m : r->result.modules)
    EXPECT_EQ(m.loads, m.name == "ib_cm" || m.name == "ib_core") << m.name;
}

TEST_F(ImageTest, MissingSoftdepPre) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  // r8169 has `softdep pre: realtek` in its modinfo (the rdma_cm/configfs case of newer kernels).
  std::string img =
      build_image(dir_, "rm stage/usr/lib/modules/$K/kernel/drivers/net/phy/realtek.ko");
  std::optional<ImageReport> r;
  const Finding* f = the_finding(options(img, {"r8169"}), kImageSoftdepMissing, "realtek", r);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kError);
  EXPECT_NE(f->message.find("r8169 has `softdep pre: realtek`"), std::string::npos) << f->message;
  EXPECT_TRUE(with_rule(*r, kImageModuleMissing).empty());
}

TEST_F(ImageTest, OneOfManyFirmwareFilesMissingIsAWarning) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  // r8169 names 30 files, one per chip: with the others there, the adapter may not want it.
  std::string img = build_image(dir_, "rm stage/usr/lib/firmware/rtl_nic/rtl8125b-2.fw", "gzip -c");
  std::optional<ImageReport> r;
  const Finding* f = the_finding(options(img, {"r8169"}), kImageFirmwareMissing, "r8169", r);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_NE(f->message.find("rtl_nic/rtl8125b-2.fw"), std::string::npos);
  EXPECT_NE(f->message.find("depends on its chip"), std::string::npos) << f->message;
  EXPECT_EQ(errors(*r), 0u);
}

TEST_F(ImageTest, NeededModuleWithoutAnyFirmwareIsAnError) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  std::string img = build_image(dir_, "rm -r stage/usr/lib/firmware/rtl_nic");
  std::optional<ImageReport> r;
  const Finding* f = the_finding(options(img, {"r8169"}), kImageNeededFirmwareMissing, "r8169", r);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kError);
  EXPECT_NE(f->message.find("cannot come up"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("before the root is mounted"), std::string::npos) << f->message;
  EXPECT_TRUE(with_rule(*r, kImageFirmwareMissing).empty());
  int st = 0;
  testdata::run(fmt::format("{} image {} --root {} --need r8169 >/dev/null 2>&1",
                            testdata::ofsck_bin(), img, testdata::tree(kKver)),
                &st);
  EXPECT_EQ(st, 1);
  // Outside the need closure the firmware is not asked for before the root is mounted: not
  // checked. Without --need every module's firmware is, as warnings.
  auto other = inspect_image(options(img, {"rdma_cm"}));
  ASSERT_TRUE(other) << to_string(other.error());
  EXPECT_TRUE(with_rule(*other, kImageNeededFirmwareMissing).empty());
  EXPECT_TRUE(with_rule(*other, kImageFirmwareMissing).empty());
  const Finding* all = the_finding(options(img, {}), kImageFirmwareMissing, "r8169", r);
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->severity, Severity::kWarning);
  EXPECT_TRUE(with_rule(*r, kImageNeededFirmwareMissing).empty());
}

TEST_F(ImageTest, IbRootNeedsIpoibAndTheAdapterNotUmad) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  // No ib_umad, rdma_ucm, rdma_cm, iw_cm in the image: IPoIB over rdma_rxe still comes up.
  std::string img = build_image(dir_, "", "zstd -q -c",
                                "ib_ipoib ib_core ib_cm rdma_rxe ib_uverbs udp_tunnel "
                                "ip6_udp_tunnel r8169 realtek libphy mdio_devres");
  auto o = options(img, {});
  o.ib_root = true;
  auto r = inspect_image(o);
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->needed, (std::vector<std::string>{"ib_ipoib", "rdma_rxe"}));
  for (const auto& f : r->result.findings)
    EXPECT_NE(f.severity, Severity::kError) << f.rule << " " << f.subject << ": " << f.message;
  std::set<std::string> verdicts;
  for (const auto& m : r->result.modules) {
    verdicts.insert(m.name);
    EXPECT_TRUE(m.loads) << m.name;
  }
  for (const char* m : {"ib_ipoib", "ib_core", "ib_cm", "rdma_rxe", "ib_uverbs"})
    EXPECT_TRUE(verdicts.count(m)) << m;
  for (const char* m : {"ib_umad", "rdma_ucm", "rdma_cm", "iw_cm"})
    EXPECT_EQ(std::count(ib_root_core_modules().begin(), ib_root_core_modules().end(), m), 0) << m;
}

TEST_F(ImageTest, ListingIsOptIn) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  std::string img = build_image(dir_);
  const std::string cmd = fmt::format("{} image {} --root {} --need r8169", testdata::ofsck_bin(),
                                      img, testdata::tree(kKver));
  int st = 0;
  std::string plain = testdata::run(cmd + " 2>&1", &st);
  EXPECT_EQ(st, 0) << plain;
  EXPECT_NE(plain.find("9 modules, "), std::string::npos) << plain;
  EXPECT_NE(plain.find("(--list lists them)"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("  usr/lib/firmware/rtl_nic/"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("kernel/fs/configfs/configfs.ko"), std::string::npos) << plain;
  std::string listed = testdata::run(cmd + " --list 2>&1", &st);
  EXPECT_EQ(st, 0) << listed;
  EXPECT_NE(listed.find("modules (9):"), std::string::npos) << listed;
  EXPECT_NE(listed.find("kernel/fs/configfs/configfs.ko"), std::string::npos) << listed;
  EXPECT_NE(listed.find("  usr/lib/firmware/rtl_nic/"), std::string::npos) << listed;
  // JSON carries the inventory either way.
  std::string json = testdata::run(cmd + " --format json 2>&1", &st);
  EXPECT_NE(json.find("configfs.ko"), std::string::npos);
}

TEST_F(ImageTest, StaleModuleAfterDiskChange) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(testdata::kOld61));
  std::string img = build_image(dir_);
  // The disk: the staged tree itself, then realtek.ko replaced by another build of it.
  testdata::run(fmt::format("cp {0}/{2}/kernel/drivers/net/phy/realtek.ko "
                            "{1}/stage/usr/lib/modules/{3}/kernel/drivers/net/phy/realtek.ko",
                            testdata::tree(testdata::kOld61), dir_,
                            "lib/modules/" + std::string(testdata::kOld61), kKver));
  std::optional<ImageReport> r;
  const Finding* f = stale_realtek(img, dir_ + "/stage", r);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->where.size(), 2u);
  EXPECT_EQ(f->where[0].path,
            img + "!/usr/lib/modules/" + kKver + "/kernel/drivers/net/phy/realtek.ko");
  EXPECT_NE(f->where[1].path.find("stage/"), std::string::npos);
  EXPECT_NE(f->where[1].path.find("realtek.ko"), std::string::npos);
}

TEST_F(ImageTest, CorruptImagesExit3) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  std::string img = build_image(dir_);
  testdata::run(fmt::format("cd {0} && head -c 200000 image > cut && "
                            "dd if=/dev/urandom of=bad bs=1 count=4000 2>/dev/null && "
                            "cp image flip && printf 'XXXXXXXX' | dd of=flip bs=1 seek=700 "
                            "conv=notrunc 2>/dev/null",
                            dir_));
  for (const char* f : {"cut", "bad", "flip"}) {
    int st = 0;
    std::string out =
        testdata::run(fmt::format("{} image {}/{} --root {} 2>&1", testdata::ofsck_bin(), dir_, f,
                                  testdata::tree(kKver)),
                      &st);
    EXPECT_EQ(st, 3) << f << ": " << out;
    EXPECT_NE(out.find(std::string(f) + "+0x"), std::string::npos) << out;
  }
}

TEST_F(ImageTest, RealDracutImage) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
  build_image(dir_);
  int st = 0;
  std::string out = testdata::run(
      fmt::format("cd {0} && dracut --quiet --no-hostonly --no-hostonly-cmdline --kver {1} "
                  "--kmoddir {0}/stage/usr/lib/modules/{1} -m base --add-drivers 'rdma_cm r8169' "
                  "--zstd --no-early-microcode -f {0}/dracut.img 2>&1",
                  dir_, kKver),
      &st);
  if (st == 127 && getenv("OFSCK_ALLOW_MISSING_TESTDATA")) GTEST_SKIP() << "dracut missing";
  ASSERT_EQ(st, 0) << out;
  auto r = inspect_image(options(dir_ + "/dracut.img", {"rdma_cm", "r8169"}));
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->modules.size(), 9u);
  for (const auto& m : r->modules) EXPECT_TRUE(m.identical_on_disk) << m.name;
  // dracut copies firmware from the host's /lib/firmware, not from --kmoddir's tree: without
  // rtl_nic/ there (no firmware-realtek), none of r8169's files is in the image, an error.
  const bool host_fw = fs::exists("/lib/firmware/rtl_nic");
  for (const auto& f : r->result.findings) {
    if (f.severity != Severity::kError) continue;
    EXPECT_TRUE(!host_fw && f.rule == kImageNeededFirmwareMissing && f.subject == "r8169")
        << f.rule << " " << f.message;
  }
  EXPECT_EQ(with_rule(*r, kImageNeededFirmwareMissing).size(), host_fw ? 0u : 1u);
  for (const auto& m : r->result.modules) EXPECT_TRUE(m.loads) << m.name;
}

/// A real initramfs-tools image. mkinitramfs reads only the host's /lib/modules/<kver> and
/// /boot/config-<kver>, so it runs in a private mount namespace (unshare -m) in which the cached
/// Debian tree is overlaid (read-only lower, tmpfs upper: mkinitramfs runs depmod there) onto
/// /usr/lib/modules/<kver>, its boot/ is bound onto /boot, and /usr/lib gets a tmpfs overlay
/// holding dummy firmware for r8169. Nothing outside the namespace, the cache included, changes.
/// MODULES=list with rdma_cm and r8169 (plus what initramfs-tools' own hooks add).
class MkinitramfsImage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("XDG_CACHE_HOME", testdata::process_cache_dir().c_str(), 1);  // as ImageTest
    if (!testdata::exists(testdata::module_dir(kKver))) return;
    int st = 0;
    testdata::run("unshare -m true 2>/dev/null", &st);
    if (st != 0) {
      skip_ = "cannot unshare a mount namespace here (needs CAP_SYS_ADMIN); the initramfs-tools "
              "image test is skipped";
      return;
    }
    testdata::run("command -v mkinitramfs >/dev/null", &st);
    if (st != 0) {
      skip_ = "mkinitramfs missing (initramfs-tools-core; scripts/install-deps.sh)";
      missing_tool_ = true;
      return;
    }
    dir_ = new std::string(testdata::make_temp_dir("mkinitramfs"));
    // The image is built once and kept with the test data (each test runs in its own process,
    // and a build takes 20-60 s): bump the version in the name when the recipe below changes.
    img_ = new std::string(testdata::cache_dir() + "/images/mkinitramfs-" + kKver + "-v1.img");
    if (testdata::exists(*img_)) return;
    std::string script =
        fmt::format(R"SH(set -e
D={d}; K={k}; TREE={tree}
mkdir -p $D/ns $D/conf/scripts
printf 'MODULES=list\nBUSYBOX=auto\nCOMPRESS=zstd\nFSTYPE=auto\nRUNSIZE=10%%\n' > $D/conf/initramfs.conf
printf 'rdma_cm\nr8169\n' > $D/conf/modules
mount --make-rprivate / && mount -t tmpfs tmpfs $D/ns && mkdir -p $D/ns/lu $D/ns/lw $D/ns/mu $D/ns/mw &&
mount -t overlay overlay -o lowerdir=/usr/lib,upperdir=$D/ns/lu,workdir=$D/ns/lw /usr/lib &&
mkdir -p /usr/lib/modules/$K &&
mount -t overlay overlay -o lowerdir=$TREE/lib/modules/$K,upperdir=$D/ns/mu,workdir=$D/ns/mw /usr/lib/modules/$K &&
mkdir -p /boot && mount --bind $TREE/boot /boot || exit 99
for fw in $(modinfo -F firmware $(find /usr/lib/modules/$K/kernel -name r8169.ko)); do
  mkdir -p /usr/lib/firmware/$(dirname $fw); echo fw > /usr/lib/firmware/$fw
done
SOURCE_DATE_EPOCH=1 mkinitramfs -d $D/conf -o $D/initrd.img $K
mkdir -p "$(dirname {img})" && cp $D/initrd.img {img}.tmp.$$ && mv {img}.tmp.$$ {img}
)SH",
                    fmt::arg("d", *dir_), fmt::arg("k", kKver),
                    fmt::arg("tree", testdata::tree(kKver)), fmt::arg("img", *img_));
    std::ofstream(*dir_ + "/mk.sh") << script;
    log_ = new std::string(testdata::run("unshare -m bash " + *dir_ + "/mk.sh 2>&1", &st));
    if (st == 99)
      skip_ = "cannot overlay-mount the cached tree in a private mount namespace: " + *log_;
    else if (st != 0) failed_ = true;
  }
  static void TearDownTestSuite() {
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    delete log_;
    delete img_;
    dir_ = log_ = img_ = nullptr;
  }
  void SetUp() override {
    OFSCK_REQUIRE_DATA(testdata::module_dir(kKver));
    if (missing_tool_ && !getenv("OFSCK_ALLOW_MISSING_TESTDATA")) FAIL() << skip_;
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_FALSE(failed_) << "mkinitramfs failed:\n" << (log_ ? *log_ : "");
  }
  static std::string image() { return *img_; }

  /// The image unpacked (unmkinitramfs: early parts dropped), `edit` run in it, repacked as
  /// one zstd cpio (the way mkinitramfs writes it) to `out`.
  static std::string repack(const std::string& out, const std::string& edit) {
    int st = 0;
    std::string log = testdata::run(
        fmt::format("set -e; cd {0}; rm -rf x; unmkinitramfs {1} x; s=x; "
                    "[ -d x/main ] && s=x/main; cd $s; {2}; "
                    "find . | sort | cpio -o -H newc --quiet | zstd -q -c > {0}/{3} 2>&1",
                    *dir_, image(), edit, out),
        &st);
    EXPECT_EQ(st, 0) << log;
    return *dir_ + "/" + out;
  }

  static inline std::string skip_;
  static inline bool missing_tool_ = false, failed_ = false;
  static inline std::string* dir_ = nullptr;
  static inline std::string* log_ = nullptr;
  static inline std::string* img_ = nullptr;
};

TEST_F(MkinitramfsImage, ListsModulesFirmwareAndLoads) {
  auto r = inspect_image(options(image(), {"rdma_cm", "r8169"}));
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->kernel_release, kKver);
  EXPECT_EQ(r->module_dir, "usr/lib/modules/" + kKver);
  std::set<std::string> names;
  for (const auto& m : r->modules) {
    names.insert(m.name);
    EXPECT_TRUE(m.identical_on_disk) << m.name;
  }
  for (const char* m : {"rdma_cm", "ib_core", "iw_cm", "ib_cm", "configfs", "r8169", "realtek",
                        "libphy", "mdio_devres"})
    EXPECT_TRUE(names.count(m)) << m;
  EXPECT_GE(r->firmware.size(), 10u);  // r8169's rtl_nic/*.fw, copied by initramfs-tools
  EXPECT_EQ(errors(*r), 0u);
  for (const auto& f : r->result.findings)
    EXPECT_NE(f.severity, Severity::kError) << f.rule << " " << f.message;
  for (const auto& m : r->result.modules) EXPECT_TRUE(m.loads) << m.name;
  int st = 0;
  std::string out =
      testdata::run(fmt::format("{} image {} --root {} --list --need rdma_cm r8169 "
                                "2>&1",
                                testdata::ofsck_bin(), image(), testdata::tree(kKver)),
                    &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("kernel/drivers/net/ethernet/realtek/r8169.ko"), std::string::npos) << out;
}

TEST_F(MkinitramfsImage, ModuleRemovedFromImage) {
  std::string img =
      repack("no-configfs.img",
             fmt::format("rm usr/lib/modules/{}/kernel/fs/configfs/configfs.ko", kKver));
  std::optional<ImageReport> r;
  const Finding* f = the_finding(options(img, {"rdma_cm"}), kImageModuleMissing, "rdma_cm", r);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("kernel/fs/configfs/configfs.ko, which the image lacks"),
            std::string::npos)
      << f->message;
  EXPECT_EQ(need_rdma_cm_status(img), 1);
}

TEST_F(MkinitramfsImage, FirmwareRemovedFromImage) {
  // One of r8169's 30 alternatives: a warning (NeededModuleWithoutAnyFirmwareIsAnError).
  std::string img = repack("no-fw.img", "rm usr/lib/firmware/rtl_nic/rtl8125b-2.fw");
  std::optional<ImageReport> r;
  const Finding* f = the_finding(options(img, {"r8169"}), kImageFirmwareMissing, "r8169", r);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_NE(f->message.find("rtl_nic/rtl8125b-2.fw"), std::string::npos) << f->message;
  EXPECT_EQ(errors(*r), 0u);
}

TEST_F(MkinitramfsImage, ModuleReplacedOnDiskAfterBuild) {
  OFSCK_REQUIRE_DATA(testdata::module_dir(testdata::kOld61));
  // The disk: the image's modules copied from the tree, then realtek.ko replaced by another
  // build of it (6.1.0-47's) after the image was made.
  int st = 0;
  std::string log = testdata::run(
      fmt::format(
          "set -e; cd {d}; rm -rf x disk; unmkinitramfs {img} x; s=x; [ -d x/main ] && s=x/main; "
          "M=lib/modules/{k}; mkdir -p disk/$M; "
          "(cd $s/usr/$M && find . -name '*.ko') | while read f; do "
          "mkdir -p disk/$M/$(dirname $f); cp {tree}/$M/$f disk/$M/$f; done; "
          "cp {tree}/$M/modules.order {tree}/$M/modules.builtin {tree}/$M/modules.builtin.modinfo "
          "disk/$M/; depmod -b disk {k}; "
          "cp {old}/lib/modules/{ok}/kernel/drivers/net/phy/realtek.ko "
          "disk/$M/kernel/drivers/net/phy/realtek.ko 2>&1",
          fmt::arg("d", *dir_), fmt::arg("img", image()), fmt::arg("k", kKver),
          fmt::arg("tree", testdata::tree(kKver)),
          fmt::arg("old", testdata::tree(testdata::kOld61)), fmt::arg("ok", testdata::kOld61)),
      &st);
  ASSERT_EQ(st, 0) << log;
  std::optional<ImageReport> r;
  const Finding* f = stale_realtek(image(), *dir_ + "/disk", r);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->where.size(), 2u);
  EXPECT_EQ(f->where[0].path,
            image() + "!/usr/lib/modules/" + kKver + "/kernel/drivers/net/phy/realtek.ko");
  EXPECT_EQ(f->where[1].path,
            *dir_ + "/disk/lib/modules/" + kKver + "/kernel/drivers/net/phy/realtek.ko");
}

}  // namespace
}  // namespace ofsck::check
