// End-to-end scenarios, part 2: dependency failure, positional FILE, --only, exit codes and
// unreadable input. Same roots as scenario_test.cc (see check/scenario_util.hpp).
#include <gtest/gtest.h>

#include "scenario/scenario_util.hpp"

namespace ofsck::scn {
namespace {

const std::string k47 = td::kOld61;
const std::string k56 = td::kNew61;
using V = std::vector<std::string>;

std::set<std::string> names(const json& doc) {
  std::set<std::string> s;
  for (const auto& m : doc["modules"]) s.insert(m["name"].get<std::string>());
  return s;
}

/// `ofsck check FILE` on a root whose only test module is `built_rel` at `rel`.
Out check_file_with(const std::string& built_rel, const std::string& rel, const std::string& file) {
  Root r(k47);
  r.add_test(built_rel, rel);
  r.depmod();
  return check(r, {file});
}

// Scenario 6: ofs_core is rejected (unsigned under sig_enforce); ofs_consumer and ofs_nsuser,
// signed with a trusted key and fine on their own, fail because their dependency does.
TEST(Scenario, DependencyFailurePropagates) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r.add_test("signed/ofs_consumer.ko", "extra/ofs_consumer.ko");
  r.add_test("signed/ofs_nsuser.ko", "extra/ofs_nsuser.ko");
  r.add_test("signed/ofs_leaf.ko", "extra/ofs_leaf.ko");
  r.depmod();
  Out run =
      check(r, {"--cmdline", "module.sig_enforce=1", "--trust", tm(k47, "keys/signing_key.x509")});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);
  const json* core = module(run.doc, "ofs_core");
  ASSERT_NE(core, nullptr);
  EXPECT_FALSE((*core)["loads"].get<bool>());
  EXPECT_EQ(errno_of(*core), "EKEYREJECTED");
  for (const char* n : {"ofs_consumer", "ofs_nsuser"}) {
    const json* m = module(run.doc, n);
    ASSERT_NE(m, nullptr) << n;
    EXPECT_FALSE((*m)["loads"].get<bool>()) << m->dump(2);
    EXPECT_EQ((*m)["failed_dependency"], "ofs_core") << m->dump(2);
    EXPECT_EQ((*m)["load_order"], json::array({"ofs_core"}));
    // modprobe stops at ofs_core: what the kernel prints is ofs_core's rejection, and modprobe
    // reports ofs_core's error.
    EXPECT_EQ(msgs(*m, false), (V{"Loading of unsigned module is rejected"})) << m->dump(2);
    EXPECT_EQ(errno_of(*m), "EKEYREJECTED");
    EXPECT_EQ((*m)["modprobe_message"],
              "modprobe: ERROR: could not insert 'ofs_core': Key was rejected by service");
    EXPECT_EQ(findings(run.doc, "OFS209", n).size(), 0u) << "signature is fine for " << n;
  }
  EXPECT_FALSE(findings(run.doc, "OFS208").empty()) << SCN_DUMP(run);
  const json* leaf = module(run.doc, "ofs_leaf");
  ASSERT_NE(leaf, nullptr);
  EXPECT_TRUE((*leaf)["loads"].get<bool>()) << leaf->dump(2);
  EXPECT_TRUE((*leaf)["failed_dependency"].is_null());
}

// Scenario 6b: a dependency from another ABI (ENOEXEC) also fails its users.
TEST(Scenario, DependencyFromOtherAbiFailsUsers) {
  OFSCK_REQUIRE_SCN(k47);
  OFSCK_REQUIRE_SCN(k56);
  Root r(k56);
  r.add(tm(k47, "unsigned/ofs_core.ko"), "extra/ofs_core.ko");
  r.add_test("unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko");
  r.depmod();
  Out run = check(r);
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);
  const json* core = module(run.doc, "ofs_core");
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(errno_of(*core), "ENOEXEC");
  EXPECT_EQ(msgs(*core, false), (V{"ofs_core: disagrees about version of symbol module_layout"}));
  const json* c = module(run.doc, "ofs_consumer");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE((*c)["loads"].get<bool>());
  EXPECT_EQ((*c)["failed_dependency"], "ofs_core") << c->dump(2);
}

// Scenario 7: a positional FILE is judged as `insmod FILE` after modprobe loaded its dependencies
// from the tree.
TEST(Scenario, PositionalFile) {
  OFSCK_REQUIRE_SCN(k47);
  std::string file = tm(k47, "unsigned/ofs_consumer.ko");
  {
    Out run = check_file_with("unsigned/ofs_core.ko", "extra/ofs_core.ko", file);
    ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
    EXPECT_EQ(run.status, 0) << SCN_DUMP(run);
    const json* m = module_of_file(run.doc, file);
    ASSERT_NE(m, nullptr) << SCN_DUMP(run);
    EXPECT_EQ((*m)["name"], "ofs_consumer");
    EXPECT_TRUE((*m)["loads"].get<bool>()) << m->dump(2);
    EXPECT_EQ((*m)["load_order"], json::array({"ofs_core"}));
  }
  {
    Out run = check_file_with("unsigned/ofs_core-v2/ofs_core.ko", "updates/ofs_core.ko", file);
    ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
    EXPECT_EQ(run.status, 1) << SCN_DUMP(run);
    const json* m = module_of_file(run.doc, file);
    ASSERT_NE(m, nullptr) << SCN_DUMP(run);
    EXPECT_FALSE((*m)["loads"].get<bool>());
    EXPECT_EQ(errno_of(*m), "EINVAL");
    EXPECT_EQ(msgs(*m, false),
              (V{"ofs_consumer: disagrees about version of symbol ofs_core_register",
                 "ofs_consumer: Unknown symbol ofs_core_register (err -22)"}));
    EXPECT_FALSE(findings(run.doc, "OFS203").empty());
  }
}

// Scenario 8: --only limits verdicts to the modprobe closure.
TEST(Scenario, OnlyLimitsToClosure) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  for (const char* m : {"ofs_consumer", "ofs_nsuser", "ofs_missing", "ofs_leaf"})
    r.add_test(std::string("unsigned/") + m + ".ko", std::string("extra/") + m + ".ko");
  r.depmod();
  Out run = check(r, {"--only", "ofs_consumer"});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(names(run.doc), (std::set<std::string>{"ofs_consumer", "ofs_core"})) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 0) << "ofs_missing fails, but it is outside the closure\n" << SCN_DUMP(run);
  EXPECT_TRUE(findings(run.doc, "OFS204").empty());
  Out bad = check(r, {"--only", "ofs_no_such_module"});
  EXPECT_FALSE(findings(bad.doc, "OFS305").empty()) << SCN_DUMP(bad);
  EXPECT_EQ(bad.status, 1) << SCN_DUMP(bad);
}

// Scenario 9: exit codes.
TEST(Scenario, ExitCodes) {
  OFSCK_REQUIRE_SCN(k47);
  {
    Root r(k47);
    r.add_test("unsigned/ofs_leaf.ko", "extra/ofs_leaf.ko");
    r.depmod();
    Out run = check(r);
    EXPECT_EQ(run.status, 0) << SCN_DUMP(run);
    EXPECT_EQ(run.doc["summary"]["errors"], 0);
  }
  {
    Out run = ofsck({"check", "--root", "/nonexistent-ofsck-root", "--format", "json", "-q"});
    EXPECT_EQ(run.status, 3) << SCN_DUMP(run);
  }
  {
    Out run = ofsck({"check", "--no-such-option"});
    EXPECT_EQ(run.status, 2) << SCN_DUMP(run);
  }
  {
    // Two kernels, no --kernel, no boot loader configuration: the newest installed one boots
    // next (check/boot_kernel). Its module tree is empty: input that cannot be checked, named.
    // With --kernel the other one is checked.
    Root r(k47);
    fs::create_directories(r.path() + "/lib/modules/" + k56 + "/kernel");
    Out run = ofsck({"check", "--root", r.path(), "--format", "json", "-q"});
    EXPECT_EQ(run.status, 3) << SCN_DUMP(run);
    EXPECT_NE(run.err.find(k56), std::string::npos)
        << "message should name the kernel's module tree: " << run.err;
    r.depmod();
    Out ok = check(r);
    EXPECT_EQ(ok.status, 0) << SCN_DUMP(ok);
  }
}

// Scenario 10: a truncated module is reported, the rest is still judged.
TEST(Scenario, TruncatedModule) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  std::string bytes = read_file(tm(k47, "unsigned/ofs_leaf.ko")).substr(0, 1000);
  write_file(r.mod_dir() + "/extra/ofs_trunc.ko", bytes);
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r.add_test("unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko");
  td::run(r.depmod_cmd() + " 2>/dev/null");  // complains, exit 0
  Out run = check(r);
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1) << SCN_DUMP(run);
  auto f = findings(run.doc, "OFS302");
  ASSERT_EQ(f.size(), 1u) << SCN_DUMP(run);
  bool named = false;
  for (const auto& l : (*f[0])["locations"])
    if (ends_with(l.value("path", ""), "extra/ofs_trunc.ko")) named = true;
  EXPECT_TRUE(named) << f[0]->dump(2);
  EXPECT_EQ(run.doc["summary"]["unreadable_files"], 1) << run.doc["summary"].dump();
  const json* c = module(run.doc, "ofs_consumer");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE((*c)["loads"].get<bool>()) << c->dump(2);
  EXPECT_TRUE((*module(run.doc, "pcspkr"))["loads"].get<bool>());
  EXPECT_EQ(run.err.find("AddressSanitizer"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("runtime error"), std::string::npos) << run.err;
}

// An index older than the tree: a module added after depmod ran (what modprobe reads is stale).
TEST(Scenario, StaleIndex) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r.depmod();
  r.add_test("unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko");
  Out run = check(r);
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_FALSE(findings(run.doc, "OFS103").empty()) << "modules.dep.bin lacks ofs_consumer\n"
                                                    << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);
}

}  // namespace
}  // namespace ofsck::scn
