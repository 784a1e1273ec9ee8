// CLI goldens: the text and JSON output of `ofsck check` on a real Debian tree with a vendor
// ib_core from another ABI (the `make demo` root), plus help, exit codes and `ofsck depmod`
// against the real depmod.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "golden.hpp"
#include "testdata.hpp"

namespace ofsck {
namespace {

using testdata::expect_golden;
using testdata::run;
using testdata::slurp;

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

/// The demo root: Debian 6.1.0-56 tree (hard links into the cache), a 6.1.0-47 ib_core in
/// updates/, and an override naming weak-updates/.
class DemoRoot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string tree = testdata::tree(testdata::kNew61);
    const std::string old = testdata::module_dir(testdata::kOld61);
    if (!testdata::exists(tree) || !testdata::exists(old)) return;
    // One root per process: ctest runs each test in its own process, in parallel. It lives in
    // the cache dir so that `cp -al` can hard-link (same filesystem).
    std::string tmpl = testdata::cache_dir() + "/cli-test-root-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    int st = 0;
    run("rm -rf '" + root_ + "' && mkdir -p '" + root_ + "' && cp -al '" + tree + "/.' '" + root_ +
            "/' && mkdir -p '" + root_ + "/lib/modules/6.1.0-56-amd64/updates' '" + root_ +
            "/etc/depmod.d' && cp '" + old + "/kernel/drivers/infiniband/core/ib_core.ko' '" +
            root_ +
            "/lib/modules/6.1.0-56-amd64/updates/' && printf '# vendor stack\\noverride ib_core * "
            "weak-updates/vendor-ofed\\n' > '" +
            root_ + "/etc/depmod.d/zz01-vendor-ib_core.conf'",
        &st);
    ASSERT_EQ(st, 0);
  }
  static void TearDownTestSuite() {
    if (!root_.empty()) run("rm -rf '" + root_ + "'");
  }
  void check_golden(const std::string& args, const std::string& golden, int want_rc) {
    command_golden("check -q --no-verify-content --root '" + root_ + "' " + args, golden, want_rc);
  }
  /// `ofsck ARGS` on the demo root against tests/cli/golden/GOLDEN, the root spelled <ROOT>.
  void command_golden(const std::string& args, const std::string& golden, int want_rc) {
    OFSCK_REQUIRE_DATA(testdata::tree(testdata::kNew61));
    int rc = -1;
    std::string out = run(testdata::ofsck_bin() + " " + args, &rc);
    EXPECT_EQ(rc, want_rc);
    expect_golden(replace_all(out, root_, "<ROOT>"), golden);
  }
  static std::string root_;
};
std::string DemoRoot::root_;

TEST_F(DemoRoot, TextGolden) {
  check_golden("--only ib_core mlx5_ib rdma_ucm ib_ipoib", "demo_only.txt", 1);
}
TEST_F(DemoRoot, JsonGolden) {
  check_golden("--only ib_core mlx5_ib --format json", "demo_only.json", 1);
}
// explain's and modinfo's renderers (report/explain, report/modinfo), byte for byte. ib_core
// fails at module_layout: explain exits 1.
TEST_F(DemoRoot, ExplainGolden) {
  command_golden("explain -q --no-cache --root '" + root_ + "' ib_core", "demo_explain.txt", 1);
}
TEST_F(DemoRoot, ModinfoGoldens) {
  const std::string f =
      " '" + root_ + "/lib/modules/6.1.0-56-amd64/kernel/drivers/infiniband/core/ib_cm.ko'";
  command_golden("modinfo" + f, "demo_modinfo.txt", 0);
  command_golden("modinfo --format json" + f + " '" + root_ + "/no-such.ko' 2>/dev/null",
                 "demo_modinfo.json", 3);
}
TEST_F(DemoRoot, DepmodMatchesRealDepmod) {
  OFSCK_REQUIRE_DATA(testdata::tree(testdata::kNew61));
  int rc = -1;
  std::string ours =
      run(testdata::ofsck_bin() + " depmod --root '" + root_ + "' 6.1.0-56-amd64", &rc);
  ASSERT_EQ(rc, 0);
  // depmod -n prints every index; modules.dep comes first, up to the next "# " header.
  std::string theirs = run("depmod -b '" + root_ + "' -C '" + root_ +
                           "/etc/depmod.d' -n 6.1.0-56-amd64 2>/dev/null | "
                           "awk '/^# /{n++} n<1' ");
  EXPECT_EQ(ours.size(), theirs.size());
  EXPECT_TRUE(ours == theirs);
}
TEST_F(DemoRoot, UnknownModuleInOnlyIsAnError) {
  OFSCK_REQUIRE_DATA(testdata::tree(testdata::kNew61));
  int rc = -1;
  std::string out = run(testdata::ofsck_bin() + " check -q --root '" + root_ +
                            "' --only no_such_module --format json",
                        &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("Module no_such_module not found in directory"), std::string::npos);
}

TEST(Cli, HelpHasExitStatus) {
  int rc = -1;
  std::string out = run(testdata::ofsck_bin() + " --help", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("EXIT STATUS"), std::string::npos);
  out = run(testdata::ofsck_bin() + " check --help", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("--cmdline"), std::string::npos);
}
// Every command's --help, byte for byte (the options the commands share are registered once).
TEST(Cli, HelpGoldens) {
  for (std::string cmd : {"", "check", "explain", "depmod", "modinfo", "rules", "image", "upgrade",
                          "whatif", "snapshot", "fleet"}) {
    int rc = -1;
    std::string out = run(testdata::ofsck_bin() + " " + cmd + " --help", &rc);
    EXPECT_EQ(rc, 0) << cmd;
    expect_golden(out, cmd.empty() ? "help.txt" : "help_" + cmd + ".txt");
  }
}
TEST(Cli, UsageErrorsExit2) {
  int rc = -1;
  run(testdata::ofsck_bin() + " check --no-such-option 2>/dev/null", &rc);
  EXPECT_EQ(rc, 2);
  run(testdata::ofsck_bin() + " check --format yaml 2>/dev/null", &rc);
  EXPECT_EQ(rc, 2);
}
TEST(Cli, MissingRootExits3) {
  int rc = -1;
  std::string err = run(testdata::ofsck_bin() + " check --root /nonexistent/root 2>&1", &rc);
  EXPECT_EQ(rc, 3);
  EXPECT_NE(err.find("/nonexistent/root"), std::string::npos);
}
TEST(Cli, RulesListsEveryId) {
  int rc = -1;
  std::string out = run(testdata::ofsck_bin() + " rules", &rc);
  EXPECT_EQ(rc, 0);
  for (const char* id : {"OFS101", "OFS201", "OFS203", "OFS208", "OFS209", "OFS301"})
    EXPECT_NE(out.find(id), std::string::npos) << id;
}

// explain on a root with a dpkg database: every path with its package, a loss decided by a
// depmod.d override line, and the imports the load simulation binds (report/explain).
TEST(Explain, PackagesOverrideAndImportsGolden) {
  OFSCK_REQUIRE_DATA(testdata::tree(testdata::kNew61));
  const std::string k = testdata::kNew61, t = testdata::tree(k);
  const std::string r = testdata::make_temp_dir("explain"), dpkg = r + "/var/lib/dpkg";
  const std::string md = r + "/lib/modules/" + k, hdr = "/usr/src/linux-headers-" + k;
  int st = 0;
  testdata::run(
      "mkdir -p " + md + "/kernel " + md + "/extra " + r + hdr + " " + r + "/etc/depmod.d " + dpkg +
          "/info && cp " + t + hdr + "/Module.symvers " + r + hdr + "/ && cp " + t +
          "/lib/modules/" + k + "/kernel/drivers/net/dummy.ko " + md + "/kernel/ && cp " + md +
          "/kernel/dummy.ko " + md + "/extra/ && printf 'override dummy * extra\\n' > " + r +
          "/etc/depmod.d/dummy.conf && printf 'Package: linux-image-" + k +
          "\\nStatus: install ok installed\\nVersion: 6.1.158-1\\nArchitecture: amd64\\n\\n"
          "Package: dummy-dkms\\nStatus: install ok installed\\nVersion: 1.0\\n"
          "Architecture: all\\n' > " +
          dpkg + "/status && printf '/lib/modules/" + k + "/kernel/dummy.ko\\n' > " + dpkg +
          "/info/linux-image-" + k + ".list && printf '/lib/modules/" + k +
          "/extra/dummy.ko\\n/etc/depmod.d/dummy.conf\\n' > " + dpkg +
          "/info/dummy-dkms.list && depmod -b " + r + " -C " + r + "/etc/depmod.d " + k +
          " 2>/dev/null",
      &st);
  ASSERT_EQ(st, 0);
  int rc = -1;
  const std::string out = replace_all(
      testdata::run(testdata::ofsck_bin() + " explain -q --no-cache --root " + r + " dummy", &rc),
      r, "<ROOT>");
  EXPECT_EQ(rc, 0);
  expect_golden(out, "explain_packages.txt");
  testdata::run("rm -rf " + r);
}

}  // namespace
}  // namespace ofsck

namespace ofsck {
namespace {

// OFS103: the index modprobe reads vs the tree. A module copied in by hand after depmod ran.
TEST(StaleIndex, HandCopiedModuleIsReported) {
  const std::string k = testdata::kNew61;
  const std::string t = testdata::tree(k);
  OFSCK_REQUIRE_DATA(t);
  const std::string r = testdata::make_temp_dir("stale");
  const std::string md = r + "/lib/modules/" + k;
  int st = 0;
  testdata::run("mkdir -p " + md + "/kernel " + r + "/usr/src/linux-headers-" + k + " && cp " + t +
                    "/usr/src/linux-headers-" + k + "/Module.symvers " + r +
                    "/usr/src/linux-headers-" + k + "/ && cp " + t + "/lib/modules/" + k +
                    "/kernel/drivers/input/misc/pcspkr.ko " + md + "/kernel/",
                &st);
  ASSERT_EQ(st, 0);
  const std::string cmd = testdata::ofsck_bin() + " check -q --root " + r + " --format json";
  std::string out = testdata::run(cmd);
  EXPECT_NE(out.find("there is no modules.dep.bin"), std::string::npos);
  testdata::run("depmod -b " + r + " " + k + " 2>/dev/null", &st);
  ASSERT_EQ(st, 0);
  int rc = -1;
  out = testdata::run(cmd, &rc);
  EXPECT_EQ(out.find("OFS103"), std::string::npos);
  EXPECT_EQ(rc, 0);
  testdata::run("mkdir -p " + md + "/updates && cp " + md + "/kernel/pcspkr.ko " + md +
                "/updates/");
  out = testdata::run(cmd, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("pcspkr: modprobe loads kernel/pcspkr.ko, depmod would now choose "
                     "updates/pcspkr.ko"),
            std::string::npos)
      << out;
  testdata::run("rm -rf " + r);
}

}  // namespace
}  // namespace ofsck

namespace ofsck {
namespace {

// OFS216: parse_args() warns "<mod>: unknown parameter '<p>' ignored" for options the module
// does not declare (modprobe.d first, then the kernel command line); '-' equals '_'.
TEST(UnknownParameter, OptionsAndCmdline) {
  const std::string k = testdata::kNew61;
  const std::string t = testdata::module_dir(k);
  OFSCK_REQUIRE_DATA(t);
  const std::string r = testdata::make_temp_dir("param");
  const std::string md = r + "/lib/modules/" + k;
  int st = 0;
  testdata::run("mkdir -p " + md + "/kernel " + r + "/etc/modprobe.d && cp " + t +
                    "/kernel/drivers/net/dummy.ko " + md +
                    "/kernel/ && printf 'options dummy "
                    "numdummies=2 bogus=1 dyndbg=+p\\n' > " +
                    r + "/etc/modprobe.d/d.conf && depmod -b " + r + " " + k + " 2>/dev/null",
                &st);
  ASSERT_EQ(st, 0);
  int rc = -1;
  std::string out = testdata::run(testdata::ofsck_bin() + " check -q --no-cache --root " + r +
                                      " --cmdline 'dummy.num_dummies=3 dummy.numdummies=4' "
                                      "--format json",
                                  &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("\"text\": \"dummy: unknown parameter 'bogus' ignored\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("dummy: unknown parameter 'num_dummies' ignored"), std::string::npos);
  EXPECT_EQ(out.find("unknown parameter 'numdummies'"), std::string::npos);
  EXPECT_EQ(out.find("unknown parameter 'dyndbg'"), std::string::npos);
  EXPECT_NE(out.find("/etc/modprobe.d/d.conf"), std::string::npos);
  testdata::run("rm -rf " + r);
}

}  // namespace
}  // namespace ofsck

namespace ofsck {
namespace {

// A module of the same ABI but another flavour (-cloud-amd64) linked into weak-updates/, with
// RHEL's search order and an OFED-style override that makes it win: the kernel refuses it at
// module_layout (flavours differ in struct layouts), with no per-symbol messages.
TEST(OtherFlavour, CloudModuleInWeakUpdatesFailsAtModuleLayout) {
  const std::string k = testdata::kNew61;
  const std::string amd = testdata::module_dir(k);
  const std::string cloud = testdata::module_dir(testdata::kCloud61);
  OFSCK_REQUIRE_DATA(amd);
  OFSCK_REQUIRE_DATA(cloud);
  const std::string r = testdata::make_temp_dir("flavour");
  const std::string md = r + "/lib/modules/" + k;
  const std::string hdr = "/usr/src/linux-headers-" + k;
  int st = 0;
  testdata::run("mkdir -p " + md + "/kernel " + md + "/weak-updates/vendor " + r + hdr + " " + r +
                    "/etc/depmod.d && cp " + testdata::tree(k) + hdr + "/Module.symvers " + r +
                    hdr + "/ && cp " + amd + "/kernel/drivers/net/dummy.ko " + md +
                    "/kernel/ && cp " + cloud + "/kernel/drivers/net/dummy.ko " + md +
                    "/weak-updates/vendor/ && printf 'search updates extra built-in "
                    "weak-updates\\n' > " +
                    r +
                    "/etc/depmod.d/dist.conf && printf 'override "
                    "dummy * weak-updates/vendor\\n' > " +
                    r + "/etc/depmod.d/zz01-vendor-dummy.conf && depmod -b " + r + " -C " + r +
                    "/etc/depmod.d " + k + " 2>/dev/null",
                &st);
  ASSERT_EQ(st, 0);
  int rc = -1;
  std::string out =
      testdata::run(testdata::ofsck_bin() + " check -q --no-cache --root " + r + " --format json",
                    &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("\"file\": \"weak-updates/vendor/dummy.ko\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"text\": \"dummy: disagrees about version of symbol module_layout\""),
            std::string::npos);
  EXPECT_NE(out.find("\"errno\": \"ENOEXEC\""), std::string::npos);
  EXPECT_EQ(out.find("Unknown symbol"), std::string::npos);
  EXPECT_NE(out.find("OFS201"), std::string::npos);
  testdata::run("rm -rf " + r);
}

}  // namespace
}  // namespace ofsck
