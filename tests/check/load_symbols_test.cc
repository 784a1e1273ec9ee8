// load/symbols.cc: simplify_symbols()/resolve_symbol(): found, weak, GPL-only, CRC, namespace
// (including "module:" namespaces of EXPORT_SYMBOL_FOR_MODULES, 6.16+), proprietary owners, and
// setup_modinfo()'s refusal of an explicit "module:" import.
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

auto imports(std::string name, std::optional<uint32_t> crc) {
  return [=](auto&, model::ModuleFile& m, auto&) { m.imports.push_back(import(name, crc)); };
}

TEST(LoadSymbols, Modversions61) {
  run_rows(
      facts_61(),
      {
          {"GPL-only symbol, GPL module", imports("gpl_sym", 0x2222u), true, 0, Stage::kNone, {}},
          {"missing symbol",
           imports("nowhere", 0x1u),
           false,
           ENOENT,
           Stage::kSymbols,
           {"labhello: Unknown symbol nowhere (err -2)"}},
          {"missing weak symbol",
           [](auto&, model::ModuleFile& m, auto&) {
             m.imports.push_back(import("nowhere", std::nullopt));
             m.imports.back().weak = true;
           },
           true,
           0,
           Stage::kNone,
           {}},
          {"CRC mismatch",
           imports("gpl_sym", 0x9999u),
           false,
           EINVAL,
           Stage::kSymbols,
           {"labhello: disagrees about version of symbol gpl_sym",
            "labhello: Unknown symbol gpl_sym (err -22)"}},
          {"no version entry: warned once, loads",
           imports("gpl_sym", std::nullopt),
           true,
           0,
           Stage::kNone,
           {"labhello: no symbol version for gpl_sym"}},
          {"GPL-only symbol, proprietary module",
           [](auto&, model::ModuleFile& m, auto&) {
             m.info.license = "Proprietary";
             m.imports.push_back(import("gpl_sym", 0x2222u));
           },
           false,
           ENOENT,
           Stage::kSymbols,
           {"labhello: module license 'Proprietary' taints kernel.",
            "Disabling lock debugging due to kernel taint",
            "labhello: Unknown symbol gpl_sym (err -2)"},
           "P"},
          {"extended versions (6.14+), entry missing: warned once",
           [](auto&, model::ModuleFile& m, auto&) {
             m.has_ext_versions = true;
             m.imports.push_back(import("gpl_sym", std::nullopt));
           },
           true,
           0,
           Stage::kNone,
           {"labhello: no extended symbol version for gpl_sym"}},
          {"namespace not imported",
           imports("ns_sym", 0x3333u),
           false,
           EINVAL,
           Stage::kSymbols,
           {"labhello: module uses symbol (ns_sym) from namespace FOO, but does not import it.",
            "labhello: Unknown symbol ns_sym (err -22)"}},
          {"namespace imported",
           [](auto&, model::ModuleFile& m, auto&) {
             m.imports.push_back(import("ns_sym", 0x3333u));
             m.info.import_ns = {"FOO"};
           },
           true,
           0,
           Stage::kNone,
           {}},
          {"namespace not imported, ALLOW_MISSING_NAMESPACE_IMPORTS",
           [](model::KernelFacts& k, model::ModuleFile& m, auto&) {
             k.namespaces.allow_missing = true;
             m.imports.push_back(import("ns_sym", 0x3333u));
           },
           true,
           0,
           Stage::kNone,
           {"labhello: module uses symbol (ns_sym) from namespace FOO, but does not import it."}},
      });
}

TEST(LoadSymbols, NoModversionsNoVersionLinesNoTaint) {
  // Debian 7.x: every CRC is 0 in Module.symvers and modules have no __versions: no
  // "no symbol version", no "kernel tainted", no CRC compared.
  run_rows(facts_7x(),
           {
               {"plain import", no_change(), true, 0, Stage::kNone, {}},
               {"import with a stale CRC", imports("gpl_sym", 0x9999u), true, 0, Stage::kNone, {}},
           });
}

TEST(LoadSymbols, ModuleNamespaces) {
  auto named = [](std::string name, bool intree = true) {
    return [=](auto&, model::ModuleFile& m, auto&) {
      m.info.name = name;
      m.info.intree = intree;
      m.imports.push_back(import("kvm_only", std::nullopt));
    };
  };
  run_rows(
      facts_7x(),
      {
          {"kvm: named", named("kvm"), true, 0, Stage::kNone, {}},
          {"kvm_amd: tail glob kvm_*", named("kvm_amd"), true, 0, Stage::kNone, {}},
          {"kvm-intel: '-' and '_' alike", named("kvm-intel"), true, 0, Stage::kNone, {}},
          {"out-of-tree kvm_x: admitted too",
           named("kvm_x", false),
           true,
           0,
           Stage::kNone,
           {"kvm_x: loading out-of-tree module taints kernel."},
           "O"},
          {"kvmgt? not kvm_*: refused",
           named("kvmgt"),
           false,
           EINVAL,
           Stage::kSymbols,
           {"kvmgt: module uses symbol (kvm_only) from namespace module:kvm,kvm_*, but does not "
            "import it.",
            "kvmgt: Unknown symbol kvm_only (err -22)"}},
          {"explicit import of a module: namespace",
           [](auto&, model::ModuleFile& m, auto&) {
             m.info.name = "kvm";
             m.info.import_ns = {"module:kvm,kvm_*"};
           },
           false,
           EPERM,
           Stage::kModinfo,
           {"kvm: module tries to import module namespace: module:kvm,kvm_*"}},
      });
}

TEST(LoadSymbols, ModuleNamespaceMatching) {
  EXPECT_TRUE(module_namespace_admits("module:kvm", "kvm"));
  EXPECT_FALSE(module_namespace_admits("module:kvm", "kvm_amd"));
  EXPECT_TRUE(module_namespace_admits("module:kvm,kvm_*", "kvm_amd"));
  EXPECT_TRUE(module_namespace_admits("module:kvm-*", "kvm_intel"));
  EXPECT_TRUE(module_namespace_admits("module:ccp,ccp-crypto", "ccp_crypto"));
  EXPECT_TRUE(module_namespace_admits("module:*", "anything"));
  EXPECT_FALSE(module_namespace_admits("module:", "kvm"));
  EXPECT_FALSE(module_namespace_admits("kvm", "kvm"));
  EXPECT_FALSE(module_namespace_admits("module:kvm_*", "kvm"));
}

TEST(LoadSymbols, ProprietaryOwner) {
  model::KernelFacts k = facts_61();
  model::ModuleFile owner = module_for(k);
  owner.info.name = "blob";
  owner.info.license = "Proprietary";
  owner.exports.push_back({.name = "blob_fn", .gpl_only = false, .ns = "", .crc = 0x55u});
  ExportIndex idx(owner);
  std::vector<LoadedModule> loaded{{&owner, &idx, "blob"}};
  run_rows(k,
           {
               {"inherits P",
                imports("blob_fn", 0x55u),
                true,
                0,
                Stage::kNone,
                {"labhello: module uses symbols blob_fn from proprietary module blob, inheriting "
                 "taint."},
                "P"},
               {"GPL-only user of a proprietary module",
                [](auto&, model::ModuleFile& m, auto&) {
                  m.imports.push_back(import("gpl_sym", 0x2222u));
                  m.imports.push_back(import("blob_fn", 0x55u));
                },
                false,
                ENOENT,
                Stage::kSymbols,
                {"labhello: module using GPL-only symbols uses symbols blob_fn from proprietary "
                 "module blob.",
                 "labhello: Unknown symbol blob_fn (err -2)"}},
           },
           loaded);
}

TEST(LoadSymbols, UnknownSymbolLineCarriesTheProblemsRule) {
  model::KernelFacts k = facts_61();
  model::ModuleFile m = module_for(k);
  m.imports.push_back(import("ns_sym", 0x3333u));
  LoadVerdict v = simulate_load(k, signed_ok(), m, {});
  EXPECT_EQ(rule_of(v, "labhello: Unknown symbol ns_sym (err -22)"), kNamespace);
}

}  // namespace
}  // namespace ofsck::check::testing
