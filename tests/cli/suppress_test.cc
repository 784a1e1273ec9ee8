// Suppression on the command line: --ignore, the configuration file (re-rooted
// /etc/ofsck/ofsck.conf and --config), baselines written and read, and the stock-kernel quirk
// fold (OFS113) on a tree where the real depmod wrote modules.softdep.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "testdata.hpp"

namespace ofsck {
namespace {

using testdata::run;
using testdata::slurp;

/// A root with dummy.ko indexed by depmod, then copied into updates/ by hand (OFS103, an
/// error), and a modprobe.d file with an unknown parameter (OFS216) and a bad line (OFS105).
class SuppressRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string k = testdata::kNew61, t = testdata::tree(k);
    if (!testdata::exists(t)) GTEST_SKIP() << "no test data: " << t;
    r_ = testdata::make_temp_dir("suppress");
    const std::string md = r_ + "/lib/modules/" + k, hdr = "/usr/src/linux-headers-" + k;
    int st = 0;
    run("mkdir -p " + md + "/kernel " + md + "/updates " + r_ + hdr + " " + r_ +
            "/etc/modprobe.d && cp " + t + hdr + "/Module.symvers " + r_ + hdr + "/ && cp " + t +
            "/lib/modules/" + k + "/kernel/drivers/net/dummy.ko " + md +
            "/kernel/ && printf 'options dummy bogus=1\\nfrobnicate dummy\\n' > " + r_ +
            "/etc/modprobe.d/d.conf && depmod -b " + r_ + " " + k + " 2>/dev/null && cp " + md +
            "/kernel/dummy.ko " + md + "/updates/",
        &st);
    ASSERT_EQ(st, 0);
  }
  void TearDown() override {
    if (!r_.empty()) run("rm -rf '" + r_ + "'");
  }
  std::string check(const std::string& args, int* rc) {
    return run(testdata::ofsck_bin() + " check -q --no-cache --root " + r_ + " " + args + " 2>&1",
               rc);
  }
  std::string r_;
};

TEST_F(SuppressRoot, IgnoreCountsInTheSummaryAndTheExitStatus) {
  int rc = -1;
  std::string out = check("", &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("1 error, 3 warnings, 1 note\n"), std::string::npos) << out;
  out = check("--ignore OFS103 --ignore unknown-parameter:dummy", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("OFS103"), std::string::npos);
  EXPECT_NE(out.find("0 errors, 2 warnings, 1 note; 2 suppressed (--ignore 2)\n"),
            std::string::npos)
      << out;
  out = check("--ignore OFS216:other --format json", &rc);
  EXPECT_NE(out.find("\"suppressed\": 0"), std::string::npos) << out;
  out = check("--ignore OFS999", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("no rule 'OFS999'"), std::string::npos) << out;
}

TEST_F(SuppressRoot, ConfigFileUnderRootAndGiven) {
  run("mkdir -p " + r_ + "/etc/ofsck");
  std::ofstream(r_ + "/etc/ofsck/ofsck.conf") << "# site\nignore = stale-index\nformat = json\n";
  int rc = -1;
  std::string out = check("", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"suppressed\": 1"), std::string::npos) << out;
  out = check("--format text --ignore OFS105", &rc);  // the command line wins, ignores add up
  EXPECT_NE(out.find("; 2 suppressed (--ignore 2)\n"), std::string::npos) << out;
  // --config replaces the root's file; an unknown key names file:line, exit 2.
  const std::string given = r_ + "/given.conf";
  std::ofstream(given) << "ignore = OFS216\n\nverbose = yes\n";
  out = check("--config " + given, &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find(given + ":3: unknown key 'verbose'"), std::string::npos) << out;
  out = check("--config " + r_ + "/none.conf", &rc);
  EXPECT_EQ(rc, 2);
  std::ofstream(given, std::ios::trunc) << "ignore = OFS216\n";
  out = check("--config " + given, &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("; 1 suppressed (--ignore 1)\n"), std::string::npos) << out;
}

TEST_F(SuppressRoot, BaselineWrittenThenOnlyNewFindingsCount) {
  const std::string b = r_ + "/baseline";
  int rc = -1;
  std::string out = check("--write-baseline " + b, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("wrote 5 baseline entries to " + b), std::string::npos) << out;
  EXPECT_NE(out.find("; 5 suppressed (baseline 5)\n"), std::string::npos) << out;
  EXPECT_EQ(run("ls " + r_ + " | grep -c tmp"), "0\n");  // written through a renamed temp file
  std::string text = slurp(b);
  EXPECT_EQ(text.rfind("# ofsck baseline 1\n", 0), 0u);
  EXPECT_EQ(text.find(r_), std::string::npos) << text;  // no host path: stable across mounts
  out = check("--baseline " + b, &rc);
  EXPECT_EQ(rc, 0) << out;
  // The OFS103 entry gone from the baseline: that finding is new again and fails the check.
  run("grep -v OFS103 " + b + " > " + b + ".2 && mv " + b + ".2 " + b);
  out = check("--baseline " + b, &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("error[OFS103]"), std::string::npos);
  EXPECT_NE(out.find("; 4 suppressed (baseline 4)\n"), std::string::npos) << out;
  out = check("--baseline " + b + " --update-baseline", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(slurp(b).find("OFS103\t"), std::string::npos);
  out = check("--update-baseline", &rc);
  EXPECT_EQ(rc, 2);
  out = check("--baseline " + r_ + "/no-such-baseline", &rc);
  EXPECT_EQ(rc, 3);
  std::ofstream(b, std::ios::trunc) << "OFS103\tx\ty\n";
  out = check("--baseline " + b, &rc);
  EXPECT_EQ(rc, 3);
  EXPECT_NE(out.find(b + ":1: not an ofsck baseline"), std::string::npos) << out;
}

// Debian 6.1's cifs declares softdep= values without "pre:"; depmod copies them into
// modules.softdep and kmod ignores all 11 lines. One OFS113 note instead of 11 OFS105 warnings.
TEST(StockKernelQuirk, DebianCifsSoftdepsFoldIntoOneNote) {
  const std::string k = testdata::kNew61, t = testdata::tree(k);
  OFSCK_REQUIRE_DATA(t);
  const std::string r = testdata::make_temp_dir("quirk"), md = r + "/lib/modules/" + k;
  int st = 0;
  run("mkdir -p " + md + "/kernel " + md + "/updates && cp $(find " + t + "/lib/modules/" + k +
          " -name cifs.ko) " + md + "/kernel/ && depmod -b " + r + " " + k + " 2>/dev/null",
      &st);
  ASSERT_EQ(st, 0);
  ASSERT_EQ(run("grep -c '^softdep cifs' " + md + "/modules.softdep"), "11\n");
  int rc = -1;
  const std::string cmd = testdata::ofsck_bin() + " check -q --no-cache --root " + r;
  std::string out = run(cmd, &rc);
  EXPECT_EQ(out.find("OFS105"), std::string::npos) << out;
  EXPECT_NE(out.find("/lib/modules/" + k +
                     "/modules.softdep: note[OFS113]: 11 lines that depmod "
                     "generated from the kernel's own modules (cifs)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  note: line 2: softdep cifs gcm\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  … and 3 more notes; --verbose lists them\n"), std::string::npos) << out;
  // The same lines in a module not built in the kernel's tree (a copy in updates/ wins) stay
  // warnings: the fold is only for the kernel's own files.
  run("mv " + md + "/kernel/cifs.ko " + md + "/updates/ && depmod -b " + r + " " + k, &st);
  ASSERT_EQ(st, 0);
  out = run(cmd);
  EXPECT_EQ(out.find("OFS113"), std::string::npos) << out;
  run("rm -rf " + r);
}

}  // namespace
}  // namespace ofsck
