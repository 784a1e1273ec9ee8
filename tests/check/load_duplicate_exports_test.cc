// load/duplicate_exports.cc: verify_exported_symbols() against vmlinux and loaded modules.
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

TEST(LoadDuplicateExports, VmlinuxAndLoadedModules) {
  model::KernelFacts k = facts_61();
  model::ModuleFile other = module_for(k);
  other.info.name = "other";
  other.exports.push_back({.name = "shared_fn", .gpl_only = false, .ns = "", .crc = 0x5u});
  ExportIndex idx(other);
  std::vector<LoadedModule> loaded{{&other, &idx, "other"}};
  auto exporting = [](std::string name) {
    return [=](auto&, model::ModuleFile& m, auto&) {
      m.exports.push_back({.name = name, .gpl_only = false, .ns = "", .crc = 0x9u});
      m.has_kcrctab = true;
    };
  };
  run_rows(k,
           {
               {"new symbol", exporting("labhello_fn"), true, 0, Stage::kNone, {}},
               {"vmlinux has it",
                exporting("printk"),
                false,
                ENOEXEC,
                Stage::kDuplicateExport,
                {"labhello: exports duplicate symbol printk (owned by kernel)"}},
               {"a loaded module has it",
                exporting("shared_fn"),
                false,
                ENOEXEC,
                Stage::kDuplicateExport,
                {"labhello: exports duplicate symbol shared_fn (owned by other)"}},
           },
           loaded);
}

}  // namespace
}  // namespace ofsck::check::testing
