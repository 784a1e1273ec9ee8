// load/taints.cc: O, C, P and E taints and their once-per-boot notices, by kernel generation.
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

TEST(LoadTaints, Rows) {
  const char* lock = "Disabling lock debugging due to kernel taint";
  run_rows(facts_61(),
           {
               {"out of tree",
                [](auto&, model::ModuleFile& m, auto&) { m.info.intree = false; },
                true,
                0,
                Stage::kNone,
                {"labhello: loading out-of-tree module taints kernel."},
                "O"},
               {"staging",
                [](auto&, model::ModuleFile& m, auto&) { m.info.staging = true; },
                true,
                0,
                Stage::kNone,
                {"labhello: module is from the staging directory, the quality is unknown, you "
                 "have been warned."},
                "C"},
               {"proprietary (6.1: no augment line)",
                [](auto&, model::ModuleFile& m, auto&) { m.info.license = "Proprietary"; },
                true,
                0,
                Stage::kNone,
                {"labhello: module license 'Proprietary' taints kernel.", lock},
                "P"},
               {"no licence",
                [](auto&, model::ModuleFile& m, auto&) { m.info.license.clear(); },
                true,
                0,
                Stage::kNone,
                {"labhello: module license 'unspecified' taints kernel.", lock},
                "P"},
           });
  run_rows(facts_7x(),
           {
               {"proprietary on 6.4+: module_augment_kernel_taints()",
                [](auto&, model::ModuleFile& m, auto&) { m.info.license = "Proprietary"; },
                true,
                0,
                Stage::kNone,
                {"labhello: module license 'Proprietary' taints kernel.", lock,
                 "labhello: module license taints kernel."},
                "P"},
           });
}

TEST(LoadTaints, ProprietaryLinesCarryTheRule) {
  model::KernelFacts k = facts_7x();
  model::ModuleFile m = module_for(k);
  m.info.license = "Proprietary";
  LoadVerdict v = simulate_load(k, signed_ok(), m, {});
  EXPECT_EQ(rule_of(v, "labhello: module license 'Proprietary' taints kernel."), kProprietaryTaint);
  EXPECT_EQ(rule_of(v, "labhello: module license taints kernel."), kProprietaryTaint);
  EXPECT_EQ(rule_of(v, "Disabling lock debugging due to kernel taint"), "");
}

}  // namespace
}  // namespace ofsck::check::testing
