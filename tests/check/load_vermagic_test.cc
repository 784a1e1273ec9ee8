// load/vermagic.cc: same_magic() with and without modversions, and a missing vermagic.
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

TEST(LoadVermagic, Rows) {
  const std::string other = "6.1.0-56-amd64 SMP preempt mod_unload modversions ";
  run_rows(facts_61(),
           {
               {"other release, __versions: release skipped",
                [&](auto&, model::ModuleFile& m, auto&) { m.info.vermagic = other; },
                true,
                0,
                Stage::kNone,
                {}},
               {"other flags",
                [](auto&, model::ModuleFile& m, auto&) {
                  m.info.vermagic = "6.1.0-47-amd64 SMP mod_unload modversions ";
                },
                false,
                ENOEXEC,
                Stage::kVermagic,
                {"labhello: version magic '6.1.0-47-amd64 SMP mod_unload modversions ' should be "
                 "'6.1.0-47-amd64 SMP preempt mod_unload modversions '"}},
               {"no vermagic: forced",
                [](auto&, model::ModuleFile& m, auto&) { m.info.vermagic.clear(); },
                true,
                0,
                Stage::kNone,
                {"labhello: bad vermagic: kernel tainted.",
                 "Disabling lock debugging due to kernel taint"},
                "F"},
               {"no vermagic, no force-load",
                [](model::KernelFacts& k, model::ModuleFile& m, auto&) {
                  k.force_load = false;
                  m.info.vermagic.clear();
                },
                false,
                ENOEXEC,
                Stage::kVermagic,
                {}},
           });
}

TEST(LoadVermagic, WithoutModversionsTheReleaseCounts) {
  run_rows(facts_7x(),
           {
               {"same", no_change(), true, 0, Stage::kNone, {}},
               {"a 7.1 module on 7.2",
                [](auto&, model::ModuleFile& m, auto&) {
                  m.info.vermagic = "7.1.5+deb14-amd64 SMP preempt mod_unload ";
                },
                false,
                ENOEXEC,
                Stage::kVermagic,
                {"labhello: version magic '7.1.5+deb14-amd64 SMP preempt mod_unload ' should "
                 "be '7.2.13+deb14-amd64 SMP preempt mod_unload '"}},
           });
}

TEST(LoadVermagic, SameMagic) {
  EXPECT_TRUE(same_magic("6.1.0-47 SMP", "6.1.0-56 SMP", true));
  EXPECT_FALSE(same_magic("6.1.0-47 SMP", "6.1.0-56 SMP", false));
  EXPECT_FALSE(same_magic("6.1.0-47 SMP", "6.1.0-47 SMP mod_unload", true));
}

}  // namespace
}  // namespace ofsck::check::testing
