// The real kernel as the judge: ofsck's verdicts for a root of scenario modules are compared,
// module by module, with what Debian's 6.1.0-47 kernel does when it loads the same files under
// QEMU (scripts/qemu-oracle.sh, output format in tests/fixtures/README.md). Two boots run in
// parallel: the default command line and module.sig_enforce=1.
#include <gtest/gtest.h>

#include <future>

#include "check/scenario_util.hpp"

namespace ofsck::scn {
namespace {

const std::string k47 = td::kOld61;
const std::string kBootCmdline = "console=ttyS0 panic=-1 quiet loglevel=7 tsc=unstable";

struct Block {
  std::string base;
  int rc = -1;
  std::string ename;
  std::vector<std::string> lines;
};

std::vector<Block> parse_oracle(const std::string& out) {
  std::vector<Block> v;
  std::istringstream in(out);
  std::string line;
  Block* cur = nullptr;
  auto starts = [](const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; };
  while (std::getline(in, line)) {
    if (starts(line, "OFSCK-BEGIN ")) {
      v.push_back(Block{line.substr(12)});
      cur = &v.back();
    } else if (!cur) {
      continue;
    } else if (starts(line, "OFSCK-RC ")) {
      cur->rc = std::stoi(line.substr(line.rfind(' ') + 1));
    } else if (starts(line, "OFSCK-ERR ")) {
      std::string rest = line.substr(10 + cur->base.size() + 1);
      cur->ename = rest.substr(0, rest.find(' '));
    } else if (starts(line, "OFSCK-END ")) {
      cur = nullptr;
    } else {
      cur->lines.push_back(line);
    }
  }
  return v;
}

/// Kernel lines ofsck models: "<mod>: ..." loader lines (not the test modules' own "<mod>: loaded"
/// init output), "Loading of ..." signature lines and the lockdep taint line.
bool modelled(const std::string& mod, const std::string& l) {
  std::string p = mod + ": ";
  if (l.rfind(p, 0) == 0) {
    std::string rest = l.substr(p.size());
    return !(rest == "loaded" || rest.rfind("loaded (", 0) == 0);
  }
  return l.rfind("Loading of ", 0) == 0 || l == "Disabling lock debugging due to kernel taint";
}

std::string once_key(const std::string& mod, const std::string& l) {
  std::string p = mod + ": ";
  return l.rfind(p, 0) == 0 ? l.substr(p.size()) : l;
}

struct Boot {
  std::string name;
  std::string cmdline_extra;
  std::vector<std::string> order;  // module names, in the order to try them
  std::vector<std::string> extra_args;
};

struct Tally {
  int compared = 0, matched = 0, skipped = 0;
};

/// Predicts with ofsck, boots the kernel, compares. Returns the tally; adds gtest failures.
Tally judge(const Boot& boot, const Out& pred, const std::string& oracle_out,
            int oracle_status, const std::vector<std::string>& listed) {
  Tally t;
  EXPECT_EQ(oracle_status, 0) << boot.name << ": qemu-oracle did not finish\n" << oracle_out;
  std::vector<Block> blocks = parse_oracle(oracle_out);
  EXPECT_EQ(blocks.size(), listed.size()) << boot.name << "\n" << oracle_out;
  std::set<std::string> seen_once;
  for (size_t i = 0; i < blocks.size() && i < listed.size(); ++i) {
    const std::string& name = listed[i];
    const Block& b = blocks[i];
    const json* m = module(pred.doc, name);
    if (!m) {
      ADD_FAILURE() << boot.name << ": no verdict for " << name;
      continue;
    }
    ++t.compared;
    bool ok = true;
    std::ostringstream why;
    bool loads = (*m)["loads"].get<bool>();
    if (loads != (b.rc == 0)) {
      ok = false;
      why << " loads: predicted " << loads << ", kernel rc " << b.rc << ";";
    }
    if (errno_of(*m) != b.ename) {
      ok = false;
      why << " errno: predicted '" << errno_of(*m) << "', kernel '" << b.ename << "';";
    }
    std::vector<std::string> p_once = msgs(*m, true), p_nonce = msgs(*m, false);
    std::vector<std::string> k_once, k_nonce, exp_once;
    for (const auto& l : b.lines) {
      if (!modelled(name, l)) continue;
      (contains(p_once, l) ? k_once : k_nonce).push_back(l);
    }
    for (const auto& l : p_once)
      if (!seen_once.count(once_key(name, l))) exp_once.push_back(l);
    for (const auto& l : b.lines) seen_once.insert(once_key(name, l));
    if (k_nonce != p_nonce) {
      ok = false;
      why << " lines: predicted [" << join(p_nonce, " | ") << "], kernel [" << join(k_nonce, " | ")
          << "];";
    }
    if (k_once != exp_once) {
      ok = false;
      why << " once-per-boot lines: expected here [" << join(exp_once, " | ") << "], kernel ["
          << join(k_once, " | ") << "];";
    }
    if (ok) ++t.matched;
    EXPECT_TRUE(ok) << boot.name << ": " << name << " (" << (*m)["file"] << ") mismatch:" << why.str()
                    << "\n  kernel block: [" << join(b.lines, " | ") << "]";
  }
  return t;
}

/// Oracle list: each module of `order` after its predicted load_order, the winning files, skipping
/// modules whose prediction is a failed dependency (modprobe would not insert them).
std::vector<std::string> make_list(const Root& root, const Out& pred, const Boot& boot,
                                   std::vector<std::string>* names, int* skipped) {
  std::vector<std::string> files;
  std::set<std::string> done;
  auto push = [&](const std::string& n) {
    if (done.count(n)) return;
    const json* m = module(pred.doc, n);
    if (!m) {
      ADD_FAILURE() << boot.name << ": no verdict for " << n;
      return;
    }
    done.insert(n);
    if (!(*m)["failed_dependency"].is_null()) {
      ++*skipped;
      return;
    }
    names->push_back(n);
    files.push_back(root.mod_dir() + "/" + (*m)["file"].get<std::string>());
  };
  for (const auto& n : boot.order) {
    const json* m = module(pred.doc, n);
    if (m)
      for (const auto& d : (*m)["load_order"]) push(d.get<std::string>());
    push(n);
  }
  return files;
}

TEST(RealKernelOracle, VerdictsMatchBootedKernel_6_1_0_47) {
  OFSCK_REQUIRE_SCN(k47);
  int st = 0;
  td::run("command -v qemu-system-x86_64 >/dev/null 2>&1", &st);
  if (st != 0) {
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
          {"pcspkr", "ib_uverbs", "ofs_leaf", "ofs_consumer", "ofs_nsuser", "ofs_nsbad",
           "ofs_prop", "ofs_missing"},
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
    std::string cmd = shq(td::source_dir() + "/scripts/qemu-oracle.sh") + " " + shq(k47) + " " +
                      shq(td::tree(k47)) + " " + shq(list);
    if (!extra.empty()) cmd += " " + shq(extra);
    return td::run(cmd + " 2>" + shq(list + ".err"), status);
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
