// load/blacklist.cc: module_blacklist= on the kernel command line (EPERM).
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

TEST(LoadBlacklist, NamedOrNot) {
  run_rows(facts_61(),
           {
               {"not named",
                [](model::KernelFacts& k, auto&, auto&) { k.module_blacklist = {"other"}; },
                true,
                0,
                Stage::kNone,
                {}},
               {"named",
                [](model::KernelFacts& k, auto&, auto&) {
                  k.module_blacklist = {"other", "labhello"};
                },
                false,
                EPERM,
                Stage::kBlacklist,
                {"Module labhello is blacklisted"}},
           });
}

}  // namespace
}  // namespace ofsck::check::testing
