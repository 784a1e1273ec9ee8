// modprobe's lookup order and probe list on synthetic indexes (tables of modules.dep lines,
// aliases, softdeps). The same cases against the real modprobe (kmod 30 and 34) on a real
// kernel tree are in tests/check/modprobe_oracle_test.cc.
#include "resolve/modprobe.hpp"

#include <gtest/gtest.h>

#include <map>

#include "read/text/modprobe_conf.hpp"

using namespace ofsck;
using resolve::LookupSource;

namespace {

/// A synthetic root: modules.dep lines, modprobe.d text, modules.alias, builtins.
struct Root {
  std::map<std::string, std::vector<std::string>> dep;  // module → modules.dep list
  std::string conf;                                     // one modprobe.d file
  std::string conf_name = "/etc/modprobe.d/test.conf";
  std::vector<model::ModprobeAlias> aliases;   // modules.alias
  std::map<std::string, std::string> symbols;  // symbol → owner
  resolve::BuiltinIndex builtin;
  std::vector<std::pair<std::string, std::string>> modinfo_softdeps;  // depmod's modules.softdep
  int kmod = 30;

  model::ModprobeConfig cfg;
  resolve::ModprobeIndex ix;

  const resolve::ModprobeIndex& index() {
    cfg = {};
    cfg.kmod_version.major = kmod;
    model::ConfigFile f;
    f.path = f.display_path = conf_name;
    read::parse_modprobe_conf(conf, f, cfg, kmod);
    cfg.files.push_back(f);
    ix.config = &cfg;
    ix.softdeps = resolve::effective_softdeps(cfg, "/lib/modules/6.1.0", modinfo_softdeps);
    ix.module_deps = [this](const std::string& m) -> const std::vector<std::string>* {
      auto it = dep.find(m);
      return it == dep.end() ? nullptr : &it->second;
    };
    ix.symbol_owner = [this](const std::string& s) {
      auto it = symbols.find(s);
      return it == symbols.end() ? std::string() : it->second;
    };
    ix.module_aliases = [this]() -> const std::vector<model::ModprobeAlias>& { return aliases; };
    ix.builtin = [this]() -> const resolve::BuiltinIndex& { return builtin; };
    return ix;
  }
};

std::vector<std::string> names(const resolve::ProbeList& p) {
  std::vector<std::string> out;
  for (const auto& s : p.steps) out.push_back(s.module);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

// Issue 7 item 2.a: `softdep libcrc32c pre: crc32c` loads the modules whose alias is crc32c.
TEST(Modprobe, SoftdepNamesGoThroughAliases) {
  Root r;
  r.dep = {{"libcrc32c", {}}, {"crc32c_intel", {}}, {"crc32c_generic", {}}};
  r.aliases = {{"crypto_crc32c", "crc32c_intel", {}},
               {"crc32c", "crc32c_intel", {}},
               {"crypto_crc32c", "crc32c_generic", {}},
               {"crc32c", "crc32c_generic", {}}};
  r.modinfo_softdeps = {{"libcrc32c", "pre: crc32c"}};
  resolve::ProbeList p = resolve::probe_list(r.index(), "libcrc32c");
  EXPECT_EQ(p.lookup.source, LookupSource::kModuleName);
  EXPECT_EQ(names(p), (V{"crc32c_intel", "crc32c_generic", "libcrc32c"}));
  EXPECT_TRUE(p.steps[2].required);
  EXPECT_FALSE(p.steps[0].required);  // softdep errors are ignored by kmod
  EXPECT_NE(p.steps[0].via.find("modules.alias"), std::string::npos) << p.steps[0].via;
}

// Issue 7 item 2.c: a modprobe.d alias is looked up before modules.dep (kmod testsuite
// modprobe "show-alias-to-none": `alias mod-simple deaddood` loads nothing of mod-simple).
TEST(Modprobe, ConfigAliasWinsOverModuleOfThatName) {
  Root r;
  r.dep = {{"mod_simple", {}}, {"other", {}}};
  r.conf = "alias mod-simple deaddood\nalias foo_bar other\n";
  resolve::ProbeList p = resolve::probe_list(r.index(), "mod-simple");
  EXPECT_EQ(p.lookup.source, LookupSource::kConfigAlias);
  ASSERT_EQ(p.lookup.hits.size(), 1u);
  EXPECT_EQ(p.lookup.hits[0].module, "deaddood");
  EXPECT_FALSE(p.lookup.hits[0].exists);
  EXPECT_EQ(p.lookup.hits[0].where.line, 1u);
  // The name is normalised ('-' → '_') before the fnmatch() against the alias pattern.
  EXPECT_EQ(names(resolve::probe_list(r.index(), "foo-bar")), V{"other"});
}

// Issue 7 item 2.d: a module listed in modules.builtin is found (and inserts nothing).
TEST(Modprobe, BuiltinModulesAreFoundLast) {
  Root r;
  r.builtin.have_list = true;
  r.builtin.names = {"unix"};
  r.builtin.aliases = {{"net_pf_1", "unix", {}}};
  resolve::Lookup l = resolve::lookup_name(r.index(), "unix");
  EXPECT_EQ(l.source, LookupSource::kBuiltin);
  ASSERT_EQ(l.hits.size(), 1u);
  EXPECT_TRUE(l.hits[0].builtin);
  resolve::Lookup a = resolve::lookup_name(r.index(), "net-pf-1");
  EXPECT_EQ(a.source, LookupSource::kBuiltinAlias);
  // modules.alias comes before modules.builtin.
  r.aliases = {{"unix", "af_unix_mod", {}}};
  r.dep["af_unix_mod"] = {};
  EXPECT_EQ(resolve::lookup_name(r.index(), "unix").source, LookupSource::kModuleAlias);
  // Without modules.builtin nothing is built in for modprobe.
  Root none;
  EXPECT_EQ(resolve::lookup_name(none.index(), "unix").source, LookupSource::kNotFound);
}

// kmod_module_get_softdeps() takes the first matching line only: kmod 30 and 34.2 alike (kmod's
// own testsuite marks the merge case test-multi-softdep as expected_fail).
TEST(Modprobe, FirstMatchingSoftdepLineOnly) {
  for (int kmod : {30, 34}) {
    Root r;
    r.kmod = kmod;
    r.dep = {{"ksmbd", {}}, {"gcm", {}}, {"ccm", {}}, {"aes", {}}};
    r.modinfo_softdeps = {{"ksmbd", "pre: gcm"}, {"ksmbd", "pre: ccm"}, {"ksmbd", "pre: aes"}};
    EXPECT_EQ(names(resolve::probe_list(r.index(), "ksmbd")), (V{"gcm", "ksmbd"})) << kmod;
    // Files are parsed in basename order: test.conf comes after modules.softdep, whose line
    // wins; a.conf comes before it and wins. The pattern is a glob.
    r.conf = "softdep ks*d post: aes\n";
    EXPECT_EQ(names(resolve::probe_list(r.index(), "ksmbd")), (V{"gcm", "ksmbd"})) << kmod;
    r.conf_name = "/etc/modprobe.d/a.conf";
    EXPECT_EQ(names(resolve::probe_list(r.index(), "ksmbd")), (V{"ksmbd", "aes"})) << kmod;
  }
}

TEST(Modprobe, EffectiveSoftdepsPlaceModulesSoftdepByBasename) {
  model::ModprobeConfig cfg;
  model::ConfigFile a{"/r/etc/modprobe.d/a.conf", "/etc/modprobe.d/a.conf", {}};
  model::ConfigFile z{"/r/etc/modprobe.d/z.conf", "/etc/modprobe.d/z.conf", {}};
  model::ConfigFile disk{"/r/lib/modules/k/modules.softdep", "/lib/modules/k/modules.softdep", {}};
  read::parse_modprobe_conf("softdep m pre: from_a\n", a, cfg);
  read::parse_modprobe_conf("softdep m pre: stale\n", disk, cfg);
  read::parse_modprobe_conf("softdep m pre: from_z\n", z, cfg);
  cfg.files = {a, disk, z};
  auto eff = resolve::effective_softdeps(cfg, "/lib/modules/k", {{"m", "pre: now"}});
  ASSERT_EQ(eff.size(), 3u);
  EXPECT_EQ(eff[0].pre, V{"from_a"});
  EXPECT_EQ(eff[1].pre, V{"now"});  // depmod's current line replaces the stale one, same place
  EXPECT_EQ(eff[2].pre, V{"from_z"});
  auto kept = resolve::effective_softdeps(cfg, "/lib/modules/k", {{"m", "pre: now"}}, true);
  EXPECT_EQ(kept[1].pre, V{"stale"});
}

// __kmod_module_get_probe_list(): each dependency in insertion order with its own softdeps,
// then the module's pre:, the module, its post:. The target and its dependencies are required.
TEST(Modprobe, ProbeListOrderAndRequired) {
  Root r;
  // modules.dep: "top: mid low" (low is inserted first).
  r.dep = {{"top", {"mid", "low"}}, {"mid", {"low"}}, {"low", {}}, {"sp", {}}, {"sq", {}}};
  r.conf = "softdep mid pre: sp\nsoftdep top post: sq\n";
  resolve::ProbeList p = resolve::probe_list(r.index(), "top");
  EXPECT_EQ(names(p), (V{"low", "sp", "mid", "top", "sq"}));
  std::vector<bool> req;
  for (const auto& s : p.steps) req.push_back(s.required);
  EXPECT_EQ(req, (std::vector<bool>{true, false, true, true, false}));
  // symbol: names resolve through modules.symbols.
  r.symbols = {{"do_thing", "mid"}};
  EXPECT_EQ(resolve::lookup_name(r.index(), "symbol:do_thing").source, LookupSource::kSymbol);
  // A softdep name nothing provides is dropped silently by kmod; we record it.
  r.conf = "softdep top pre: nothing_here\n";
  resolve::ProbeList q = resolve::probe_list(r.index(), "top");
  ASSERT_EQ(q.unresolved.size(), 1u);
  EXPECT_EQ(q.unresolved[0].name, "nothing_here");
}

// kmod_module_probe_insert_module(): the first `install` line matching by fnmatch replaces the
// insert of every probe-list entry, dependencies included; a module whose softdep line names
// modules (->ignorecmd) is inserted. The real modprobe agrees: ModprobeOracle.InstallCommands61.
TEST(Modprobe, InstallCommandsInTheProbeList) {
  Root r;
  r.conf = "install dep* /bin/echo first\ninstall dep1 /bin/echo second\ninstall top /bin/true\n"
           "install soft /bin/false\nsoftdep soft post: gone extra\n";
  r.dep = {{"top", {"dep1"}}, {"dep1", {}}, {"soft", {}}, {"extra", {}}};
  resolve::ProbeList p = resolve::probe_list(r.index(), "top");
  ASSERT_EQ(names(p), (V{"dep1", "top"}));
  EXPECT_EQ(p.steps[0].install, "/bin/echo first");
  EXPECT_EQ(p.steps[0].install_where.line, 1u);
  EXPECT_EQ(p.steps[1].install, "/bin/true");
  EXPECT_EQ(resolve::install_line(r.index(), "soft"), nullptr);  // `extra` resolves
  r.conf = "install soft /bin/false\nsoftdep soft post: gone\n";
  ASSERT_NE(resolve::install_line(r.index(), "soft"), nullptr);  // nothing resolves
  EXPECT_EQ(resolve::install_line(r.index(), "soft")->command, "/bin/false");
}

// `install` commands are found after modules.symbols and before modules.alias.
TEST(Modprobe, InstallCommandLookup) {
  Root r;
  r.conf = "install fake /bin/true\n";
  r.aliases = {{"fake", "real", {}}};
  r.dep = {{"real", {}}};
  resolve::Lookup l = resolve::lookup_name(r.index(), "fake");
  EXPECT_EQ(l.source, LookupSource::kCommand);
  ASSERT_EQ(l.hits.size(), 1u);
  EXPECT_EQ(l.hits[0].install, "/bin/true");
}
