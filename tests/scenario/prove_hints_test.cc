// Issue 9: hints are proven on a private overlay before they are printed (scenario/prove_hints),
// a module's own verdict behind a failing dependency, "another flavour" wording, and modprobe.d
// `install` commands in verdicts; all through `ofsck check` on roots built from real Debian
// modules (6.1.0-47 vendor copies in a 6.1.0-56 root).
#include <gtest/gtest.h>

#include "scenario_util.hpp"

namespace ofsck::scn {
namespace {

const std::string kNew = td::kNew61;
const std::string kOld = td::kOld61;

const std::string kMlx5Ib = "kernel/drivers/infiniband/hw/mlx5/mlx5_ib.ko";
const std::string kUverbs = "kernel/drivers/infiniband/core/ib_uverbs.ko";
const std::string kDummy = "kernel/drivers/net/dummy.ko";

/// mlx5_ib's dependencies from the 6.1.0-56 tree, without ib_uverbs and mlx5_ib.
const std::vector<std::string> kMlxDeps = {
    "kernel/drivers/infiniband/core/ib_core.ko",
    "kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko",
    "kernel/drivers/net/ethernet/mellanox/mlxfw/mlxfw.ko",
    "kernel/drivers/pci/controller/pci-hyperv-intf.ko", "kernel/net/psample/psample.ko"};

std::string text_check(const Root& r, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"check", "--root", r.path(), "--kernel", r.kver(), "--no-cache"};
  a.insert(a.end(), extra.begin(), extra.end());
  return ofsck(a).out;
}

// The root: a 6.1.0-47 updates/mlx5_ib.ko and a failing 6.1.0-47 extra/ib_uverbs.ko in
// a 6.1.0-56 root. modprobe stops at ib_uverbs; mlx5_ib's own module_layout failure is reported
// beside it.
TEST(OwnVerdict, BehindAFailingDependency) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  OFSCK_REQUIRE_DATA(td::module_dir(kOld));
  Root r(kNew, kMlxDeps);
  r.add(in_tree(kOld, kMlx5Ib), "updates/mlx5_ib.ko");
  r.add(in_tree(kOld, kUverbs), "extra/ib_uverbs.ko");
  r.depmod();
  Out run = check(r, {"--no-cache"});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);
  const json* m = module(run.doc, "mlx5_ib");
  ASSERT_NE(m, nullptr) << SCN_DUMP(run);
  EXPECT_FALSE((*m)["loads"].get<bool>());
  EXPECT_EQ((*m)["failed_dependency"], "ib_uverbs");
  ASSERT_TRUE((*m)["own"].is_object()) << m->dump(2);
  EXPECT_FALSE((*m)["own"]["loads"].get<bool>());
  EXPECT_EQ((*m)["own"]["stage"], "module_layout");
  EXPECT_EQ((*m)["own"]["errno"], "ENOEXEC");
  EXPECT_TRUE((*m)["own"]["certain"].get<bool>());
  EXPECT_EQ((*m)["own"]["kernel_messages"].back()["text"],
            "mlx5_ib: disagrees about version of symbol module_layout");
  // A module whose chain loads has no own verdict beside it.
  const json* core = module(run.doc, "ib_core");
  ASSERT_NE(core, nullptr);
  EXPECT_TRUE((*core)["own"].is_null());
  EXPECT_TRUE((*core)["install"].is_null());
  // The dependency finding says that mlx5_ib fails on its own too.
  auto deps = findings(run.doc, "OFS208", "ib_uverbs");
  ASSERT_EQ(deps.size(), 1u) << SCN_DUMP(run);
  std::vector<std::string> notes = (*deps[0])["notes"];
  EXPECT_TRUE(contains(notes,
                       "mlx5_ib fails on its own too, once ib_uverbs loads: module_layout "
                       "(ENOEXEC): mlx5_ib: disagrees about version of symbol module_layout"))
      << join(notes);
  const std::string text = text_check(r, {"--verbose"});
  EXPECT_NE(text.find("FAIL mlx5_ib updates/mlx5_ib.ko (ENOEXEC); dependency ib_uverbs fails; "
                      "on its own: module_layout (ENOEXEC): mlx5_ib: disagrees about version "
                      "of symbol module_layout"),
            std::string::npos)
      << text;
}

// A module of the cloud flavour of the same release fails module_layout: "another flavour".
TEST(BuiltFor, AnotherFlavourOfTheSameRelease) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  OFSCK_REQUIRE_DATA(td::module_dir(td::kCloud61));
  Root r(kNew);
  r.add(in_tree(td::kCloud61, kDummy), "extra/dummy.ko");
  r.add(in_tree(kOld, kDummy), "extra/old/dummy_old.ko");
  r.depmod();
  Out run = check(r, {"--no-cache"});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  auto fl = findings(run.doc, "OFS201", "dummy");
  ASSERT_EQ(fl.size(), 1u) << SCN_DUMP(run);
  EXPECT_NE((*fl[0])["message"].get<std::string>().find(
                "dummy was built for another flavour of this release (6.1.0-56-cloud-amd64): "
                "module_layout CRC"),
            std::string::npos)
      << (*fl[0])["message"];
  // A module of another release keeps "another kernel ABI".
  auto old = findings(run.doc, "OFS201", "dummy_old");
  ASSERT_EQ(old.size(), 1u) << SCN_DUMP(run);
  EXPECT_NE((*old[0])["message"].get<std::string>().find("built for another kernel ABI"),
            std::string::npos);
}

// modprobe.d `install` lines: the module's own, a dependency's, and one that softdeps disable.
TEST(InstallCommand, ShownInTheVerdict) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  std::vector<std::string> mods = kMlxDeps;
  for (const auto& m : {kUverbs, kMlx5Ib, kDummy}) mods.push_back(m);
  mods.push_back("kernel/drivers/input/misc/pcspkr.ko");
  Root r(kNew, mods);
  r.write("etc/modprobe.d/ofs.conf",
          "install dummy /bin/true\n"
          "install ib_u* /sbin/modprobe --ignore-install ib_uverbs $CMDLINE_OPTS\n"
          "install pcspkr /bin/false\n"
          "softdep pcspkr pre: dummy\n");
  r.depmod();
  Out run = check(r, {"--no-cache"});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  const json* d = module(run.doc, "dummy");
  ASSERT_NE(d, nullptr);
  ASSERT_TRUE((*d)["install"].is_object()) << d->dump(2);
  EXPECT_EQ((*d)["install"]["module"], "dummy");
  EXPECT_EQ((*d)["install"]["command"], "/bin/true");
  EXPECT_EQ((*d)["install"]["location"]["line"], 1);
  EXPECT_TRUE(ends_with((*d)["install"]["location"]["path"], "/etc/modprobe.d/ofs.conf"));
  // ib_uverbs's line is a pattern (fnmatch); it replaces the insert of a module that needs it.
  for (const char* name : {"ib_uverbs", "mlx5_ib"}) {
    const json* u = module(run.doc, name);
    ASSERT_NE(u, nullptr);
    ASSERT_TRUE((*u)["install"].is_object()) << name;
    EXPECT_EQ((*u)["install"]["module"], "ib_uverbs");
  }
  // pcspkr's softdep names a module: kmod ignores its install command and inserts it.
  const json* p = module(run.doc, "pcspkr");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE((*p)["install"].is_null()) << p->dump(2);
  const std::string text = text_check(r, {"--verbose"});
  EXPECT_NE(text.find("ok   dummy kernel/drivers/net/dummy.ko; load replaced by install command "
                      "`/bin/true` ("),
            std::string::npos)
      << text;
}

// OFS101: the override points at a directory that does not exist; the module sits only in
// extra/, where it fails module_layout (built for 6.1.0-47). Pointing the override there
// removes OFS101 but loads a failing module: no hint proposes it.
TEST(ProveHints, NoSingleLineChangeWhenTheOnlyCandidateFails) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  OFSCK_REQUIRE_DATA(td::module_dir(kOld));
  Root r(kNew);
  r.add(in_tree(kOld, kDummy), "extra/dummy.ko");
  r.write("etc/depmod.d/ofs.conf", "# vendor\noverride dummy * updates/vendor\n");
  r.depmod();
  const std::string before = td::run("cd " + shq(r.path()) + " && find . -printf '%p %s\\n'");
  Out run = check(r, {"--no-cache"});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  auto f = findings(run.doc, "OFS101", "dummy");
  ASSERT_EQ(f.size(), 1u) << SCN_DUMP(run);
  const std::string hint = (*f[0])["hint"];
  EXPECT_EQ(hint.rfind("no single-line change fixes it: pointing it at extra leads to OFS201: "
                       "dummy was built for another kernel ABI: module_layout CRC",
                       0),
            0u)
      << hint;
  // Proving it changed nothing on the root.
  EXPECT_EQ(td::run("cd " + shq(r.path()) + " && find . -printf '%p %s\\n'"), before);
}

// The same dangling override with a module that loads from extra/: the hint names the line and
// its proven replacement.
TEST(ProveHints, ProposesTheChangeThatWorks) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  Root r(kNew);
  r.add(in_tree(kNew, kDummy), "extra/dummy.ko");
  r.write("etc/depmod.d/ofs.conf", "# vendor\noverride dummy * updates/vendor\n");
  r.depmod();
  Out run = check(r, {"--no-cache"});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  auto f = findings(run.doc, "OFS101", "dummy");
  ASSERT_EQ(f.size(), 1u) << SCN_DUMP(run);
  EXPECT_EQ((*f[0])["hint"],
            "replace line 2 with `override dummy * extra`, then run depmod -a " + kNew +
                " (checked on this root with the edit applied: it removes the problem and adds no "
                "error)");
  EXPECT_EQ((*f[0])["locations"][0]["line"], 2);
}

}  // namespace
}  // namespace ofsck::scn
