// load/module_layout.cc: check_modstruct_version(), including a __versions the kernel cannot see
// (no SHF_ALLOC: objcopy --set-section-flags, kmod --force-modversion) — issue 7 2.b.
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

const char* kLock = "Disabling lock debugging due to kernel taint";

TEST(LoadModuleLayout, Rows) {
  run_rows(facts_61(), {
                           {"same CRC", no_change(), true, 0, Stage::kNone, {}},
                           {"other CRC",
                            [](auto&, model::ModuleFile& m, auto&) { m.imports[1].crc = 0xdeadu; },
                            false,
                            ENOEXEC,
                            Stage::kModuleLayout,
                            {"labhello: disagrees about version of symbol module_layout"}},
                           {"no __versions, force-load allowed: tainted, then loads",
                            [](auto&, model::ModuleFile& m, auto&) {
                              m.has_versions = false;
                              for (auto& i : m.imports) i.crc.reset();
                            },
                            true,
                            0,
                            Stage::kNone,
                            {"labhello: module_layout: kernel tainted.", kLock,
                             "labhello: printk: kernel tainted.", kLock},
                            "F"},
                           {"no __versions, no CONFIG_MODULE_FORCE_LOAD: silent ENOEXEC",
                            [](model::KernelFacts& k, model::ModuleFile& m, auto&) {
                              k.force_load = false;
                              m.has_versions = false;
                            },
                            false,
                            ENOEXEC,
                            Stage::kModuleLayout,
                            {}},
                           {"no modversions: nothing compared",
                            [](model::KernelFacts& k, model::ModuleFile& m, auto&) {
                              k.modversions = false;
                              m.imports[1].crc = 0xdeadu;
                              k.vermagic = m.info.vermagic =
                                  "6.1.0-47-amd64 SMP preempt mod_unload ";
                            },
                            true,
                            0,
                            Stage::kNone,
                            {}},
                       });
}

TEST(LoadModuleLayout, UnallocatedVersionsOnANewerRelease) {
  // The kernel's output on 6.1.0-54 for a 6.1.0-47 module whose __versions lost SHF_ALLOC.
  model::KernelFacts k = facts_61();
  k.release = "6.1.0-54-amd64";
  k.vermagic = "6.1.0-54-amd64 SMP preempt mod_unload modversions ";
  model::ModuleFile m = module_for(facts_61());
  m.versions_alloc = false;
  LoadVerdict v = simulate_load(k, signed_ok(), m, {});
  EXPECT_FALSE(v.loads);
  EXPECT_EQ(v.stage, Stage::kVermagic);
  EXPECT_EQ(v.err, ENOEXEC);
  EXPECT_FALSE(v.versions_visible);
  EXPECT_EQ(lines(v), (std::vector<std::string>{
                          "labhello: module_layout: kernel tainted.", kLock,
                          "labhello: version magic '6.1.0-47-amd64 SMP preempt mod_unload "
                          "modversions ' should be '6.1.0-54-amd64 SMP preempt mod_unload "
                          "modversions '"}));
  EXPECT_EQ(rule_of(v, "labhello: module_layout: kernel tainted."), kNoSymbolVersion);
  // The same file with an allocated __versions passes vermagic (release skipped) and fails on
  // nothing: its CRCs match.
  m.versions_alloc = true;
  EXPECT_TRUE(simulate_load(k, signed_ok(), m, {}).loads);
}

TEST(LoadModuleLayout, MismatchCarriesItsRuleAndCrcs) {
  model::KernelFacts k = facts_61();
  model::ModuleFile m = module_for(k);
  m.imports[1].crc = 0xdeadu;
  LoadVerdict v = simulate_load(k, signed_ok(), m, {});
  EXPECT_EQ(rule_of(v, "labhello: disagrees about version of symbol module_layout"), kModuleLayout);
  ASSERT_EQ(v.symbol_problems.size(), 1u);
  EXPECT_EQ(v.symbol_problems[0].expected, 0xdeadu);
  EXPECT_EQ(v.symbol_problems[0].actual, 0x1000u);
}

}  // namespace
}  // namespace ofsck::check::testing
