// `ofsck upgrade` on real Debian ABIs: one root holding the 6.1.0-47-amd64 and 6.1.0-56-amd64
// trees (hard links), their Module.symvers and boot/ files, and test modules compiled against
// each kernel's headers (scripts/build-test-modules.sh) placed in 6.1.0-47's extra/.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scenario/upgrade.hpp"
#include "testdata.hpp"

namespace td = ofsck::testdata;
using nlohmann::json;

namespace {

class UpgradeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* k : {td::kOld61, td::kNew61}) {
      if (!td::exists(td::module_dir(k)) || !td::exists(td::symvers(k)) ||
          !td::exists(td::test_modules(k) + "/unsigned/ofs_leaf.ko"))
        return;
    }
    // Hard links need the same file system as the cache, hence a temp dir inside it.
    std::string tmpl = td::cache_dir() + "/tmp-upgrade-XXXXXX";
    if (!mkdtemp(tmpl.data())) return;
    root_ = new std::string(tmpl);
    const std::string& r = *root_;
    for (const char* k : {td::kOld61, td::kNew61}) {
      std::string t = td::tree(k);
      td::run(fmt::format("mkdir -p {0}/lib/modules {0}/boot {0}/usr/src/linux-headers-{1} && "
                          "cp -al {2}/lib/modules/{1} {0}/lib/modules/ && cp -al {2}/boot/. "
                          "{0}/boot/ && ln {3} {0}/usr/src/linux-headers-{1}/Module.symvers",
                          r, k, t, td::symvers(k)));
    }
    td::run(fmt::format("mkdir -p {}/lib/modules/{}/extra", r, td::kOld61));
  }
  static void TearDownTestSuite() {
    if (root_) td::run("rm -rf " + *root_);
    delete root_;
    root_ = nullptr;
  }
  void SetUp() override {
    OFSCK_REQUIRE_DATA(td::test_modules(td::kOld61) + "/unsigned/ofs_leaf.ko");
    OFSCK_REQUIRE_DATA(td::test_modules(td::kNew61) + "/unsigned/ofs_leaf.ko");
    OFSCK_REQUIRE_DATA(td::module_dir(td::kNew61));
    ASSERT_NE(root_, nullptr);
  }

  static std::string extra() { return *root_ + "/lib/modules/" + td::kOld61 + "/extra"; }
  static std::string weak() { return *root_ + "/lib/modules/" + td::kNew61 + "/weak-updates"; }

  /// Puts exactly `mods` (built against `kver`) into 6.1.0-47's extra/.
  static void place(const std::string& kver, std::initializer_list<const char*> mods) {
    td::run(fmt::format("rm -rf {0} {1} && mkdir -p {0}", extra(), weak()));
    for (const char* m : mods)
      td::run(fmt::format("cp {}/unsigned/{}.ko {}/", td::test_modules(kver), m, extra()));
  }

  static json upgrade(const std::string& extra_args, int* status) {
    std::string out = td::run(
        fmt::format(
            "{} upgrade -q --root {} --kernel {} --to {} --cache-dir {}/cache --format json {}",
            td::ofsck_bin(), *root_, td::kOld61, td::kNew61, *root_, extra_args),
        status);
    return json::parse(out, nullptr, false);
  }

  static const json* module(const json& doc, const std::string& name) {
    for (const auto& m : doc["modules"])
      if (m["name"] == name) return &m;
    return nullptr;
  }

  static std::string* root_;
};

std::string* UpgradeTest::root_ = nullptr;

bool has(const json& arr, const std::string& needle) {
  for (const auto& s : arr)
    if (s.get<std::string>().find(needle) != std::string::npos) return true;
  return false;
}

TEST_F(UpgradeTest, ModulesBuiltAgainstOldHeadersNeedRebuild) {
  place(td::kOld61, {"ofs_leaf", "ofs_core", "ofs_consumer"});
  int st = 0;
  json doc = upgrade("", &st);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(st, 1);
  EXPECT_EQ(doc["inputs"]["from"], td::kOld61);
  ASSERT_EQ(doc["modules"].size(), 3u) << doc.dump(2);
  for (const char* name : {"ofs_leaf", "ofs_core", "ofs_consumer"}) {
    SCOPED_TRACE(name);
    const json* m = module(doc, name);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ((*m)["file"], fmt::format("extra/{}.ko", name));
    EXPECT_EQ((*m)["verdict_as_is"], "absent");
    EXPECT_EQ((*m)["verdict_if_linked"], "fails");
    EXPECT_EQ((*m)["link_path"], fmt::format("weak-updates/{}.ko", name));
    EXPECT_EQ((*m)["needs_rebuild"], true);
    EXPECT_EQ((*m)["rebuild_headers"], fmt::format("linux-headers-{}", td::kNew61));
    // load_module() stops at check_modstruct_version(): no "Unknown symbol" lines follow.
    EXPECT_EQ((*m)["errno"], "ENOEXEC");
    ASSERT_EQ((*m)["kernel_messages"].size(), 1u) << m->dump(2);
    EXPECT_EQ((*m)["kernel_messages"][0],
              fmt::format("{}: disagrees about version of symbol module_layout", name));
    EXPECT_TRUE(has((*m)["failing_symbols"],
                    fmt::format("module_layout: module has 0x160c03af, vmlinux on {} has "
                                "0x9060323f",
                                td::kNew61)))
        << m->dump(2);
    EXPECT_TRUE((*m)["kabi_risks"].empty());
  }
  bool rebuild_finding = false;
  for (const auto& f : doc["findings"])
    rebuild_finding |= f["rule"] == "OFS501" && f["subject"] == "ofs_consumer";
  EXPECT_TRUE(rebuild_finding);

  std::string text = td::run(fmt::format("{} upgrade -q --root {} --kernel {} --to {} "
                                         "--cache-dir {}/cache",
                                         td::ofsck_bin(), *root_, td::kOld61, td::kNew61, *root_));
  EXPECT_NE(text.find("REBUILD ofs_core extra/ofs_core.ko"), std::string::npos) << text;
  EXPECT_NE(text.find("rebuild against: linux-headers-6.1.0-56-amd64"), std::string::npos);
}

// --ignore OFS501 accepts every rebuild: the modules are marked, counted, and the exit status
// is 0; ignoring one module's OFS501 leaves the others failing the check.
TEST_F(UpgradeTest, SuppressedRebuildsFailNothing) {
  place(td::kOld61, {"ofs_leaf", "ofs_core", "ofs_consumer"});
  int st = 0;
  json one = upgrade("--ignore OFS501:ofs_leaf", &st);
  ASSERT_FALSE(one.is_discarded());
  EXPECT_EQ(st, 1);
  ASSERT_NE(module(one, "ofs_leaf"), nullptr);
  EXPECT_TRUE((*module(one, "ofs_leaf"))["suppressed"].get<bool>());
  EXPECT_FALSE((*module(one, "ofs_core"))["suppressed"].get<bool>());
  EXPECT_EQ(one["summary"]["suppressed_by"]["ignore"], 1);
  EXPECT_TRUE(one["summary"]["unloadable"].get<bool>());
  json all = upgrade("--ignore OFS501", &st);
  ASSERT_FALSE(all.is_discarded());
  EXPECT_EQ(st, 0) << all.dump(2);
  EXPECT_FALSE(all["summary"]["unloadable"].get<bool>());
  EXPECT_EQ(all["summary"]["suppressed"], 3);
  for (const auto& f : all["findings"]) EXPECT_NE(f["rule"], "OFS501");
  std::string text = td::run(fmt::format("{} upgrade -q --root {} --kernel {} --to {} "
                                         "--cache-dir {}/cache --ignore OFS501",
                                         td::ofsck_bin(), *root_, td::kOld61, td::kNew61, *root_),
                             &st);
  EXPECT_EQ(st, 0);
  EXPECT_NE(text.find("REBUILD ofs_core extra/ofs_core.ko (suppressed: accepted by --ignore or "
                      "the baseline)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("; 3 suppressed (--ignore 3)"), std::string::npos) << text;
  upgrade("--write-baseline " + *root_ + "/b", &st);
  EXPECT_EQ(st, 2);
}

TEST_F(UpgradeTest, ModuleBuiltAgainstNewHeadersLoadsLinked) {
  place(td::kNew61, {"ofs_leaf"});
  int st = 0;
  json doc = upgrade("", &st);
  ASSERT_FALSE(doc.is_discarded());
  const json* m = module(doc, "ofs_leaf");
  ASSERT_NE(m, nullptr) << doc.dump(2);
  // Not linked yet: absent on 6.1.0-56, but a weak-updates link would load.
  EXPECT_EQ((*m)["verdict_as_is"], "absent");
  EXPECT_EQ((*m)["verdict_if_linked"], "loads");
  EXPECT_EQ((*m)["needs_rebuild"], false);
  EXPECT_TRUE((*m)["failing_symbols"].empty()) << m->dump(2);
  EXPECT_EQ(st, 0);

  // weak-modules --add-modules would link it (relative here, so it resolves inside the root).
  td::run(fmt::format("mkdir -p {0} && ln -s ../../{1}/extra/ofs_leaf.ko {0}/ofs_leaf.ko", weak(),
                      td::kOld61));
  doc = upgrade("", &st);
  m = module(doc, "ofs_leaf");
  ASSERT_NE(m, nullptr) << doc.dump(2);
  EXPECT_EQ((*m)["verdict_as_is"], "loads") << m->dump(2);
  EXPECT_EQ((*m)["as_is_file"], "weak-updates/ofs_leaf.ko");
  EXPECT_EQ((*m)["verdict_if_linked"], "loads");
  EXPECT_EQ(st, 0);
}

TEST_F(UpgradeTest, InTreeNameBeatsWeakUpdatesUnlessOverridden) {
  // A vendor copy of an in-tree driver in 6.1.0-47's updates/: on 6.1.0-56 the in-tree dummy
  // wins as is, and under RHEL's production order a weak-updates link would lose to it too.
  place(td::kOld61, {});
  std::string upd = fmt::format("{}/lib/modules/{}/updates", *root_, td::kOld61);
  std::string conf = *root_ + "/etc/depmod.d";
  td::run(fmt::format("mkdir -p {0} {1} && cp {2}/kernel/drivers/net/dummy.ko {0}/ && "
                      "echo 'search updates extra built-in weak-updates' >{1}/dist.conf",
                      upd, conf, td::module_dir(td::kOld61)));
  int st = 0;
  json doc = upgrade("", &st);
  const json* m = module(doc, "dummy");
  ASSERT_NE(m, nullptr) << doc.dump(2);
  EXPECT_EQ((*m)["verdict_as_is"], "replaced");
  EXPECT_EQ((*m)["as_is_file"], "kernel/drivers/net/dummy.ko");
  EXPECT_EQ((*m)["verdict_if_linked"], "shadowed");
  EXPECT_EQ((*m)["link_path"], "weak-updates/dummy.ko");
  EXPECT_TRUE(has((*m)["reasons"], fmt::format("override dummy {} weak-updates", td::kNew61)))
      << m->dump(2);
  EXPECT_EQ((*m)["needs_rebuild"], true);
  EXPECT_EQ(st, 1);

  // With the override the link wins, and the kernel refuses 6.1.0-47's module_layout.
  td::run(
      fmt::format("echo 'override dummy {} weak-updates' >{}/zz01-dummy.conf", td::kNew61, conf));
  doc = upgrade("", &st);
  td::run(fmt::format("rm -rf {} {}", upd, conf));
  m = module(doc, "dummy");
  ASSERT_NE(m, nullptr) << doc.dump(2);
  EXPECT_EQ((*m)["verdict_if_linked"], "fails") << m->dump(2);
  EXPECT_EQ((*m)["errno"], "ENOEXEC");
  EXPECT_TRUE(
      has((*m)["kernel_messages"], "dummy: disagrees about version of symbol module_layout"));
  EXPECT_EQ((*m)["needs_rebuild"], true);
}

TEST_F(UpgradeTest, KabiListRisks) {
  place(td::kNew61, {"ofs_leaf"});
  std::string imports =
      td::run(fmt::format("nm -u {}/ofs_leaf.ko | awk '{{print $2}}' | sort -u", extra()));
  ASSERT_FALSE(imports.empty());
  std::string first = imports.substr(0, imports.find('\n'));
  std::string list = *root_ + "/kabi.list";
  {
    std::ofstream f(list);
    f << "[rhel9_x86_64_stablelist]\n\t" << first << "\n";
  }
  int st = 0;
  json doc = upgrade("--kabi-list " + list, &st);
  const json* m = module(doc, "ofs_leaf");
  ASSERT_NE(m, nullptr) << doc.dump(2);
  EXPECT_EQ(doc["inputs"]["kabi_list"], list);
  size_t n = 0;
  for (size_t p = 0; (p = imports.find('\n', p)) != std::string::npos; ++p) ++n;
  EXPECT_EQ((*m)["kabi_risks"].size(), n - 1) << m->dump(2) << imports;
  for (const auto& s : (*m)["kabi_risks"]) EXPECT_NE(s, first);
  EXPECT_EQ((*m)["kabi_risks"].dump().find("module_layout"), std::string::npos);

  // The default list under kabi-current/ is found without --kabi-list (and is not a kernel).
  td::run(fmt::format("mkdir -p {0}/lib/modules/kabi-current && cp {1} "
                      "{0}/lib/modules/kabi-current/kabi_stablelist_x86_64",
                      *root_, list));
  std::string out = td::run(fmt::format("{} upgrade -q --root {} --to {} --cache-dir {}/cache "
                                        "--format json",
                                        td::ofsck_bin(), *root_, td::kNew61, *root_),
                            &st);
  td::run(fmt::format("rm -rf {}/lib/modules/kabi-current", *root_));
  doc = json::parse(out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << out;
  EXPECT_EQ(doc["inputs"]["from"], td::kOld61);
  m = module(doc, "ofs_leaf");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ((*m)["kabi_risks"].size(), n - 1);
}

TEST_F(UpgradeTest, UsageErrors) {
  int st = 0;
  // No --to: the kernel that boots next. This root has no boot loader configuration, so that is
  // the newest installed kernel (check/boot_kernel), not a usage error.
  std::string out = td::run(fmt::format("{} upgrade -q --format json --root {} --kernel {} "
                                        "2>/dev/null",
                                        td::ofsck_bin(), *root_, td::kOld61),
                            &st);
  EXPECT_NE(st, 2);
  json doc = json::parse(out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << out;
  EXPECT_EQ(doc["inputs"]["to"], td::kNew61);
  td::run(fmt::format("{} upgrade -q --root {} --kernel {} --to {} 2>/dev/null", td::ofsck_bin(),
                      *root_, td::kOld61, td::kOld61),
          &st);
  EXPECT_EQ(st, 2);
  td::run(fmt::format("{} upgrade -q --root {} --kernel {} --to {} --kabi-list {}/nope "
                      "2>/dev/null",
                      td::ofsck_bin(), *root_, td::kOld61, td::kNew61, *root_),
          &st);
  EXPECT_EQ(st, 3);
}

TEST(UpgradeKabi, ReadsSectionsAndTabs) {
  std::string d = td::make_temp_dir("kabi");
  {
    std::ofstream f(d + "/l");
    f << "[rhel9_x86_64_stablelist]\n\tprintk\n\t__kmalloc\n\n[other]\n\tkfree\n";
  }
  auto l = ofsck::check::read_kabi_list(d + "/l");
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (std::vector<std::string>{"printk", "__kmalloc", "kfree"}));
  EXPECT_FALSE(ofsck::check::read_kabi_list(d + "/missing"));
  td::run("rm -rf " + d);
}

}  // namespace
