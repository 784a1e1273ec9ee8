// load/export_versions.cc: check_export_symbol_versions(), only under CONFIG_MODVERSIONS.
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

auto exports_without_crcs(bool force_load) {
  return [=](model::KernelFacts& k, model::ModuleFile& m, auto&) {
    k.force_load = force_load;
    m.exports.push_back({.name = "labhello_fn", .gpl_only = false, .ns = "", .crc = std::nullopt});
    m.has_kcrctab = false;
  };
}

TEST(LoadExportVersions, Rows) {
  run_rows(facts_61(),
           {
               {"exports with CRCs",
                [](auto&, model::ModuleFile& m, auto&) {
                  m.exports.push_back(
                      {.name = "labhello_fn", .gpl_only = false, .ns = "", .crc = 0x77u});
                  m.has_kcrctab = true;
                },
                true,
                0,
                Stage::kNone,
                {}},
               {"exports without CRCs: forced",
                exports_without_crcs(true),
                true,
                0,
                Stage::kNone,
                {"labhello: no versions for exported symbols: kernel tainted.",
                 "Disabling lock debugging due to kernel taint"},
                "F"},
               {"exports without CRCs, no force-load",
                exports_without_crcs(false),
                false,
                ENOEXEC,
                Stage::kExportVersions,
                {}},
           });
  // Without modversions no module has CRCs and the check does not exist.
  run_rows(facts_7x(), {{"7.x exports", exports_without_crcs(false), true, 0, Stage::kNone, {}}});
}

}  // namespace
}  // namespace ofsck::check::testing
