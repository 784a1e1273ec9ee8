// The real kernel as the judge: ofsck's verdicts for a root of scenario modules are compared,
// module by module, with what Debian's 6.1.0-47 kernel does when it loads the same files under
// QEMU (scripts/qemu-oracle.sh, output format in tests/fixtures/README.md). Two boots run in
// parallel: the default command line and module.sig_enforce=1.
#include <gtest/gtest.h>

#include <future>

#include "check/oracle_util.hpp"

namespace ofsck::scn {
namespace {

using namespace oracle;  // the shared judge: tests/check/oracle_util.hpp

const std::string k47 = td::kOld61;

TEST(RealKernelOracle, VerdictsMatchBootedKernel_6_1_0_47) {
  OFSCK_REQUIRE_SCN(k47);
  if (!have_qemu()) {
    if (getenv("OFSCK_ALLOW_MISSING_TESTDATA")) GTEST_SKIP() << "no qemu-system-x86_64";
    FAIL() << "qemu-system-x86_64 missing (scripts/install-deps.sh)";
  }
  std::vector<std::string> intree = {"kernel/drivers/input/misc/pcspkr.ko",
                                     "kernel/drivers/infiniband/core/ib_core.ko",
                                     "kernel/drivers/infiniband/core/ib_uverbs.ko"};

  // Boot 1, default command line: vendor v2 core shadows v1, the whole failure zoo.
  Root a(k47, intree);
  a.add_test("unsigned/ofs_core-v2/ofs_core.ko", "updates/ofs_core.ko");
  a.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  for (const char* m :
       {"ofs_consumer", "ofs_nsuser", "ofs_nsbad", "ofs_prop", "ofs_missing", "ofs_leaf"})
    a.add_test(std::string("unsigned/") + m + ".ko", std::string("extra/") + m + ".ko");
  a.depmod();
  Boot b1{"default boot",
          "",
          {"pcspkr", "ib_uverbs", "ofs_leaf", "ofs_consumer", "ofs_nsuser", "ofs_nsbad", "ofs_prop",
           "ofs_missing"},
          {}};

  // Boot 2, module.sig_enforce=1: unsigned, unknown key, tampered, Debian-signed.
  Root b(k47, intree);
  b.add_test("unsigned/ofs_leaf.ko", "extra/ofs_leaf.ko");
  b.add_test("signed/ofs_missing.ko", "extra/ofs_missing.ko");
  b.add_test("signed/ofs_consumer.ko", "extra/ofs_consumer.ko");
  {
    std::string bytes = read_file(tm(k47, "signed/ofs_core.ko"));
    size_t pos = bytes.find("ofs_core: loaded");
    ASSERT_NE(pos, std::string::npos);
    bytes[pos + 10] ^= 0x20;
    write_file(b.mod_dir() + "/extra/ofs_core.ko", bytes);
  }
  b.depmod();
  Boot b2{"sig_enforce boot",
          "module.sig_enforce=1",
          {"pcspkr", "ib_uverbs", "ofs_leaf", "ofs_core", "ofs_missing", "ofs_consumer"},
          {}};

  auto predict = [](const Root& r, const Boot& bt) {
    std::string cmd = kBootCmdline + (bt.cmdline_extra.empty() ? "" : " " + bt.cmdline_extra);
    return check(r, {"--cmdline", cmd});
  };
  auto fa = std::async(std::launch::async, predict, std::cref(a), std::cref(b1));
  auto fb = std::async(std::launch::async, predict, std::cref(b), std::cref(b2));
  Out pa = fa.get(), pb = fb.get();
  ASSERT_TRUE(pa.parsed) << SCN_DUMP(pa);
  ASSERT_TRUE(pb.parsed) << SCN_DUMP(pb);
  EXPECT_TRUE(findings(pa.doc, "OFS103").empty()) << SCN_DUMP(pa);
  EXPECT_TRUE(findings(pb.doc, "OFS103").empty()) << SCN_DUMP(pb);

  int skipped1 = 0, skipped2 = 0;
  std::vector<std::string> n1, n2;
  std::vector<std::string> l1 = make_list(a, pa, b1, &n1, &skipped1);
  std::vector<std::string> l2 = make_list(b, pb, b2, &n2, &skipped2);
  std::string tmp = td::make_temp_dir("oracle");
  write_file(tmp + "/list1", join(l1, "\n") + "\n");
  write_file(tmp + "/list2", join(l2, "\n") + "\n");
  auto boot = [&](const std::string& list, const std::string& extra, int* status) {
    return oracle::boot(k47, td::tree(k47), list, extra, status);
  };
  int s1 = -1, s2 = -1;
  auto q1 = std::async(std::launch::async, boot, tmp + "/list1", b1.cmdline_extra, &s1);
  auto q2 = std::async(std::launch::async, boot, tmp + "/list2", b2.cmdline_extra, &s2);
  std::string o1 = q1.get(), o2 = q2.get();
  if (s1 != 0) ADD_FAILURE() << read_file(tmp + "/list1.err");
  if (s2 != 0) ADD_FAILURE() << read_file(tmp + "/list2.err");

  Tally t1 = judge(b1, pa, o1, s1, n1);
  Tally t2 = judge(b2, pb, o2, s2, n2);
  std::error_code ec;
  fs::remove_all(tmp, ec);

  // Sanity: the scenarios really exercised what they claim.
  EXPECT_EQ(skipped2, 1) << "ofs_consumer should be a failed dependency under sig_enforce";
  const json* cons = module(pb.doc, "ofs_consumer");
  ASSERT_NE(cons, nullptr);
  EXPECT_EQ((*cons)["failed_dependency"], "ofs_core") << cons->dump(2);

  int compared = t1.compared + t2.compared, matched = t1.matched + t2.matched;
  std::printf("[oracle] 6.1.0-47: compared %d module loads with the booted kernel, %d matched "
              "(default boot %d/%d, sig_enforce boot %d/%d; %d failed-dependency verdicts not "
              "inserted)\n",
              compared, matched, t1.matched, t1.compared, t2.matched, t2.compared,
              skipped1 + skipped2);
  EXPECT_GE(compared, 14);
  EXPECT_EQ(matched, compared);
}

}  // namespace
}  // namespace ofsck::scn
