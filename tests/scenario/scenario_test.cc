// End-to-end scenarios for `ofsck check`: a small root built from a real Debian kernel tree and the
// kbuild-built test modules (tests/fixtures/README.md), indexed by the real kmod depmod. Expected
// verdicts and kernel lines are the ones observed by booting the real kernel under QEMU (see the
// README's "Observed kernel behaviour" table and oracle_test.cc, which re-checks them live).
#include <gtest/gtest.h>

#include "scenario/scenario_util.hpp"

namespace ofsck::scn {
namespace {

const std::string k47 = td::kOld61;
const std::string k56 = td::kNew61;

using V = std::vector<std::string>;

// Scenario 1: vendor core shadowing. v2 ofs_core in updates/ beats v1 in extra/ (default search:
// updates first); ofs_consumer, built against v1, fails with a CRC mismatch.
TEST(Scenario, VendorCoreShadowing) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  r.add_tests(kShadowedCore);
  Out run = check_indexed(r);
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1) << SCN_DUMP(run);
  const json* core = module(run.doc, "ofs_core");
  ASSERT_NE(core, nullptr) << SCN_DUMP(run);
  EXPECT_EQ((*core)["file"], "updates/ofs_core.ko");
  EXPECT_TRUE((*core)["loads"].get<bool>());
  const json* c = module(run.doc, "ofs_consumer");
  ASSERT_NE(c, nullptr) << SCN_DUMP(run);
  EXPECT_FALSE((*c)["loads"].get<bool>());
  EXPECT_EQ(errno_of(*c), "EINVAL");
  EXPECT_EQ(msgs(*c, false), (V{"ofs_consumer: disagrees about version of symbol ofs_core_register",
                                "ofs_consumer: Unknown symbol ofs_core_register (err -22)"}));
  EXPECT_TRUE((*c)["failed_dependency"].is_null());
  EXPECT_EQ((*c)["load_order"], json::array({"ofs_core"}));
  auto f = findings(run.doc, "OFS203", "ofs_consumer");
  ASSERT_EQ(f.size(), 1u) << SCN_DUMP(run);
  bool note = false;
  for (const auto& n : (*f[0])["notes"]) {
    std::string s = n.get<std::string>();
    if (s.find("built against extra/ofs_core.ko") != std::string::npos &&
        s.find("lost") != std::string::npos)
      note = true;
  }
  EXPECT_TRUE(note) << (*f[0]).dump(2);
  // The kernel lines of the finding are the verdict's lines.
  V fk;
  for (const auto& k : (*f[0])["kernel_messages"]) fk.push_back(k.get<std::string>());
  EXPECT_TRUE(contains(fk, "ofs_consumer: Unknown symbol ofs_core_register (err -22)"));
  // The shadowed v1 is reported as such.
  EXPECT_EQ(findings(run.doc, "OFS106", "ofs_core").size(), 1u);
}

// Notes must not stutter ("lost to X: lost to X: ...").
TEST(Scenario, ShadowNotesDoNotRepeatThemselves) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  r.add_tests(kShadowedCore);
  r.depmod();
  Out run = check(r);
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  for (const auto& f : run.doc["findings"])
    for (const auto& n : f["notes"]) {
      std::string s = n.get<std::string>();
      EXPECT_EQ(s.find("lost to updates/ofs_core.ko: lost to"), std::string::npos)
          << "FAIL (product wording bug): note repeats 'lost to': " << s;
    }
}

/// Scenario 1's root with `conf` as etc/depmod.d/zz01-ofs.conf, checked after depmod.
Out check_shadowed_with(const std::string& conf) {
  Root r(k47);
  r.add_tests(kShadowedCore);
  r.write("etc/depmod.d/zz01-ofs.conf", conf);
  return check_indexed(r);
}

// Scenario 2: an override naming a directory that holds no ofs_core is silently ignored by depmod.
TEST(Scenario, OverrideToWrongDirectory) {
  OFSCK_REQUIRE_SCN(k47);
  Out run = check_shadowed_with("override ofs_core * weak-updates/ofs\n");
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);
  auto f = findings(run.doc, "OFS101");
  ASSERT_EQ(f.size(), 1u) << SCN_DUMP(run);
  bool loc = false;
  for (const auto& l : (*f[0])["locations"])
    if (ends_with(l.value("path", ""), "zz01-ofs.conf") && l["line"].is_number() &&
        l["line"].get<int>() == 1)
      loc = true;
  EXPECT_TRUE(loc) << (*f[0]).dump(2);
  const json* c = module(run.doc, "ofs_consumer");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE((*c)["loads"].get<bool>());
  EXPECT_EQ(errno_of(*c), "EINVAL");
  EXPECT_EQ(msgs(*c, false), (V{"ofs_consumer: disagrees about version of symbol ofs_core_register",
                                "ofs_consumer: Unknown symbol ofs_core_register (err -22)"}));
  EXPECT_EQ((*module(run.doc, "ofs_core"))["file"], "updates/ofs_core.ko");
}

TEST(Scenario, OverrideToRightDirectoryFixesConsumer) {
  OFSCK_REQUIRE_SCN(k47);
  Out run = check_shadowed_with("override ofs_core * extra\n");
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 0) << SCN_DUMP(run);
  EXPECT_TRUE(findings(run.doc, "OFS101").empty());
  const json* core = module(run.doc, "ofs_core");
  ASSERT_NE(core, nullptr);
  EXPECT_EQ((*core)["file"], "extra/ofs_core.ko");
  const json* c = module(run.doc, "ofs_consumer");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE((*c)["loads"].get<bool>()) << c->dump(2);
  EXPECT_TRUE(msgs(*c, false).empty()) << c->dump(2);
}

// Scenario 3: a module built for 6.1.0-47 in weak-updates/ of a 6.1.0-56 root.
TEST(Scenario, OtherAbiInWeakUpdates) {
  OFSCK_REQUIRE_SCN(k47);
  OFSCK_REQUIRE_SCN(k56);
  Root r(k56);
  r.add(tm(k47, "unsigned/ofs_leaf.ko"), "weak-updates/ofs_leaf.ko");
  r.write("etc/depmod.d/dist.conf", "search updates extra built-in weak-updates\n");
  Out run = check_indexed(r);
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);
  const json* m = module(run.doc, "ofs_leaf");
  ASSERT_NE(m, nullptr) << SCN_DUMP(run);
  EXPECT_EQ((*m)["file"], "weak-updates/ofs_leaf.ko");
  EXPECT_FALSE((*m)["loads"].get<bool>());
  EXPECT_EQ(errno_of(*m), "ENOEXEC");
  EXPECT_EQ(msgs(*m, false), (V{"ofs_leaf: disagrees about version of symbol module_layout"}));
  for (const auto& s : msgs(*m, true)) EXPECT_EQ(s.find("Unknown symbol"), std::string::npos) << s;
  EXPECT_EQ(findings(run.doc, "OFS201", "ofs_leaf").size(), 1u) << SCN_DUMP(run);
  // pcspkr of the right ABI still loads.
  ASSERT_NE(module(run.doc, "pcspkr"), nullptr);
  EXPECT_TRUE((*module(run.doc, "pcspkr"))["loads"].get<bool>());
}

// Scenario 4a: unsigned module without enforcement loads and taints E.
TEST(Scenario, UnsignedLoadsAndTaints) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  r.add_test("unsigned/ofs_leaf.ko", "extra/ofs_leaf.ko");
  r.depmod();
  Out run = check(r);
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 0) << SCN_DUMP(run);
  const json* m = module(run.doc, "ofs_leaf");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE((*m)["loads"].get<bool>());
  EXPECT_NE((*m)["taints"].get<std::string>().find('E'), std::string::npos) << m->dump(2);
  EXPECT_NE((*m)["taints"].get<std::string>().find('O'), std::string::npos) << m->dump(2);
  EXPECT_TRUE(contains(msgs(*m, true),
                       "ofs_leaf: module verification failed: signature and/or required key "
                       "missing - tainting kernel"))
      << m->dump(2);
  EXPECT_TRUE(contains(msgs(*m, true), "ofs_leaf: loading out-of-tree module taints kernel."));
  EXPECT_TRUE(msgs(*m, false).empty());
  EXPECT_EQ(findings(run.doc, "OFS211", "ofs_leaf").size(), 1u)
      << "FAIL (product bug): rule OFS211 unsigned-module is listed by `ofsck rules` but never "
         "emitted (kUnsignedTaint is referenced nowhere in src/)";
}

// The kernel image is decompressed for its keys only when some file is signed: with nothing
// signed, no key can change a verdict (unsigned is judged the same under any key set).
TEST(Scenario, KernelImageReadOnlyWhenSomethingIsSigned) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47, {});
  r.add_test("unsigned/ofs_leaf.ko", "extra/ofs_leaf.ko");
  r.depmod();
  {
    Out run = check(r, {"--no-cache"});
    ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
    EXPECT_FALSE(run.doc["inputs"]["kernel_image_read"].get<bool>()) << run.doc["inputs"].dump();
    EXPECT_EQ(run.doc["inputs"]["trusted_certificates"].get<int>(), 0);
    EXPECT_TRUE(findings(run.doc, "OFS303").empty()) << SCN_DUMP(run);  // keys "unknown"
    const json* m = module(run.doc, "ofs_leaf");
    ASSERT_NE(m, nullptr);
    EXPECT_NE((*m)["taints"].get<std::string>().find('E'), std::string::npos) << m->dump(2);
    // Under enforcement the verdict is the same as with the keys read: rejected.
    Out enf = check(r, {"--no-cache", "--cmdline", "module.sig_enforce=1"});
    ASSERT_TRUE(enf.parsed) << SCN_DUMP(enf);
    EXPECT_EQ(errno_of(*module(enf.doc, "ofs_leaf")), "EKEYREJECTED");
  }
  {
    // A given file that is signed needs the keys.
    Out run = check(r, {"--no-cache", tm(k47, "signed/ofs_core.ko")});
    ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
    EXPECT_TRUE(run.doc["inputs"]["kernel_image_read"].get<bool>()) << run.doc["inputs"].dump();
    EXPECT_GE(run.doc["inputs"]["trusted_certificates"].get<int>(), 1);
  }
  {
    // A signed module in the tree (here, on a second run from the cache too).
    r.add_test("signed/ofs_core.ko", "extra/ofs_core.ko");
    r.depmod();
    const std::string cache = td::make_temp_dir("scn-cache");
    for (int pass = 0; pass < 2; ++pass) {
      Out run = check(r, {"--cache-dir", cache});
      ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
      EXPECT_TRUE(run.doc["inputs"]["kernel_image_read"].get<bool>()) << pass;
      EXPECT_GE(run.doc["inputs"]["trusted_certificates"].get<int>(), 1) << pass;
      const json* core = module(run.doc, "ofs_core");
      ASSERT_NE(core, nullptr);
      EXPECT_TRUE(contains(msgs(*core, true),
                           "ofs_core: module verification failed: signature and/or required key "
                           "missing - tainting kernel"))
          << core->dump(2);
    }
    std::filesystem::remove_all(cache);
  }
}

// Scenario 4b: under module.sig_enforce=1: unsigned rejected, unknown key rejected, Debian-signed
// pcspkr loads; with --trust of the test cert the signed module loads.
TEST(Scenario, SignatureEnforcement) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  r.add_test("unsigned/ofs_leaf.ko", "extra/ofs_leaf.ko");
  r.add_test("signed/ofs_missing.ko", "extra/ofs_missing.ko");  // signed, test key
  r.add_test("signed/ofs_core.ko", "extra/ofs_core.ko");        // signed, test key
  r.depmod();
  {
    Out run = check(r, {"--cmdline", "module.sig_enforce=1"});
    ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
    EXPECT_EQ(run.status, 1);
    const json* leaf = module(run.doc, "ofs_leaf");
    ASSERT_NE(leaf, nullptr);
    EXPECT_FALSE((*leaf)["loads"].get<bool>());
    EXPECT_EQ(errno_of(*leaf), "EKEYREJECTED");
    EXPECT_EQ(msgs(*leaf, false), (V{"Loading of unsigned module is rejected"})) << leaf->dump(2);
    const json* core = module(run.doc, "ofs_core");
    ASSERT_NE(core, nullptr);
    EXPECT_FALSE((*core)["loads"].get<bool>());
    EXPECT_EQ(errno_of(*core), "EKEYREJECTED");
    EXPECT_EQ(msgs(*core, false), (V{"Loading of module with unavailable key is rejected"}))
        << core->dump(2);
    const json* pc = module(run.doc, "pcspkr");
    ASSERT_NE(pc, nullptr);
    EXPECT_TRUE((*pc)["loads"].get<bool>()) << pc->dump(2);
    EXPECT_TRUE(msgs(*pc, false).empty());
    EXPECT_EQ((*pc)["taints"], "");
    EXPECT_FALSE(findings(run.doc, "OFS209", "ofs_leaf").empty()) << SCN_DUMP(run);
    EXPECT_FALSE(findings(run.doc, "OFS209", "ofs_core").empty()) << SCN_DUMP(run);
    EXPECT_TRUE(findings(run.doc, "OFS209", "pcspkr").empty());
  }
  {
    Out run = check(r, {"--cmdline", "module.sig_enforce=1", "--trust",
                        tm(k47, "keys/signing_key.x509")});
    ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
    const json* core = module(run.doc, "ofs_core");
    ASSERT_NE(core, nullptr);
    EXPECT_TRUE((*core)["loads"].get<bool>()) << core->dump(2);
    EXPECT_TRUE(msgs(*core, false).empty()) << core->dump(2);
    EXPECT_EQ((*core)["taints"].get<std::string>().find('E'), std::string::npos) << core->dump(2);
    // ofs_missing now passes the signature check and fails on its own merit.
    const json* mi = module(run.doc, "ofs_missing");
    ASSERT_NE(mi, nullptr);
    EXPECT_EQ(errno_of(*mi), "ENOENT") << mi->dump(2);
    EXPECT_EQ(msgs(*mi, false), (V{"ofs_missing: Unknown symbol ofs_nonexistent_fn (err -2)"}));
    // Unsigned stays rejected.
    EXPECT_EQ(errno_of(*module(run.doc, "ofs_leaf")), "EKEYREJECTED");
    EXPECT_EQ(run.doc["inputs"]["trusted_certificates"].get<int>(), 2) << run.doc["inputs"].dump();
  }
}

// Scenario 4c: a signed module modified after signing, with its key trusted: the signature does not
// verify, which is fatal even without enforcement (OFS210).
TEST(Scenario, TamperedSignedModuleRejected) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  std::string bytes = read_file(tm(k47, "signed/ofs_leaf.ko"));
  size_t pos = bytes.find("ofs_leaf: loaded");
  ASSERT_NE(pos, std::string::npos);
  bytes[pos + 10] ^= 0x20;  // 'l' -> 'L', inside .rodata, the ELF stays valid
  write_file(r.mod_dir() + "/extra/ofs_leaf.ko", bytes);
  r.depmod();
  Out run = check(r, {"--trust", tm(k47, "keys/signing_key.x509")});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);
  const json* m = module(run.doc, "ofs_leaf");
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE((*m)["loads"].get<bool>()) << m->dump(2);
  EXPECT_EQ(errno_of(*m), "EKEYREJECTED");
  EXPECT_FALSE(findings(run.doc, "OFS210", "ofs_leaf").empty()) << SCN_DUMP(run);
}

// Scenario 5: unknown symbol, namespace not imported, GPL-only symbol in a proprietary module.
TEST(Scenario, SymbolResolutionFailures) {
  OFSCK_REQUIRE_SCN(k47);
  Root r(k47);
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  for (const char* m : {"ofs_missing", "ofs_nsbad", "ofs_prop", "ofs_nsuser"})
    r.add_test(std::string("unsigned/") + m + ".ko", std::string("extra/") + m + ".ko");
  Out run = check_indexed(r);
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);

  const json* mi = module(run.doc, "ofs_missing");
  ASSERT_NE(mi, nullptr);
  EXPECT_FALSE((*mi)["loads"].get<bool>());
  EXPECT_EQ(errno_of(*mi), "ENOENT");
  EXPECT_EQ(msgs(*mi, false), (V{"ofs_missing: Unknown symbol ofs_nonexistent_fn (err -2)"}));
  EXPECT_FALSE(findings(run.doc, "OFS204", "ofs_missing").empty()) << SCN_DUMP(run);

  const json* nb = module(run.doc, "ofs_nsbad");
  ASSERT_NE(nb, nullptr);
  EXPECT_FALSE((*nb)["loads"].get<bool>());
  EXPECT_EQ(errno_of(*nb), "EINVAL");
  EXPECT_EQ(msgs(*nb, false),
            (V{"ofs_nsbad: module uses symbol (ofs_ns_fn) from namespace OFS_NS, but does not "
               "import it.",
               "ofs_nsbad: Unknown symbol ofs_ns_fn (err -22)"}));
  EXPECT_FALSE(findings(run.doc, "OFS206", "ofs_nsbad").empty()) << SCN_DUMP(run);

  const json* pr = module(run.doc, "ofs_prop");
  ASSERT_NE(pr, nullptr);
  EXPECT_FALSE((*pr)["loads"].get<bool>());
  EXPECT_EQ(errno_of(*pr), "ENOENT");
  EXPECT_EQ(msgs(*pr, false), (V{"ofs_prop: Unknown symbol ofs_core_gpl_fn (err -2)"}));
  V once = msgs(*pr, true);
  EXPECT_TRUE(contains(once, "ofs_prop: module license 'Proprietary' taints kernel."))
      << pr->dump(2);
  EXPECT_TRUE(contains(once, "Disabling lock debugging due to kernel taint")) << pr->dump(2);
  EXPECT_FALSE(findings(run.doc, "OFS205", "ofs_prop").empty()) << SCN_DUMP(run);

  const json* nu = module(run.doc, "ofs_nsuser");
  ASSERT_NE(nu, nullptr);
  EXPECT_TRUE((*nu)["loads"].get<bool>()) << nu->dump(2);
  EXPECT_EQ((*nu)["load_order"], json::array({"ofs_core"}));
}

}  // namespace
}  // namespace ofsck::scn
