// `ofsck snapshot`'s document as data (scenario/snapshot.hpp): package folding against a real
// dpkg database (dpkg installs a .deb of real Debian modules), modified and unowned files, the
// options, and running drift read from directories standing in for /proc and /sys.
#include "scenario/snapshot.hpp"

#include <gtest/gtest.h>

#include "check/check_tree.hpp"
#include "pkg_fixture.hpp"
#include "scenario/scenario_util.hpp"

namespace ofsck {
namespace {

using scn::Root;
namespace td = testdata;

constexpr const char* kDummy = "kernel/drivers/net/dummy.ko";
constexpr const char* kPcspkr = "kernel/drivers/input/misc/pcspkr.ko";

check::Snapshot snap(const Root& r, check::SnapshotInputs in = {}) {
  check::NodeSpec spec;
  spec.root = r.path();
  spec.kver = r.kver();
  spec.cmdline = "";
  auto node = check::prepare(spec, check::ReadSettings{});
  EXPECT_TRUE(node) << node.error().message;
  if (!node) return {};
  return check::build_snapshot(*node, check::evaluate(*node, {}), in);
}

const check::SnapshotModule* listed(const check::Snapshot& s, const std::string& name) {
  for (const auto& m : s.modules)
    if (m.name == name) return &m;
  return nullptr;
}

TEST(Snapshot, RunningValuesCompareAsTheKernelPrintsThem) {
  using check::same_running_value;
  EXPECT_TRUE(same_running_value("1", true, "Y"));  // bool: kstrtobool spellings
  EXPECT_TRUE(same_running_value("on", true, "Y"));
  EXPECT_TRUE(same_running_value("n", true, "N"));
  EXPECT_FALSE(same_running_value("0", true, "Y"));
  EXPECT_TRUE(same_running_value("", false, "Y"));  // a bare bool parameter is true
  EXPECT_FALSE(same_running_value("", false, "N"));
  EXPECT_TRUE(same_running_value("0x20", true, "32"));  // ints print in decimal
  EXPECT_TRUE(same_running_value("010", true, "8"));
  EXPECT_FALSE(same_running_value("32", true, "8"));
  EXPECT_TRUE(same_running_value("\"mlx5_0:1\"", true, "mlx5_0:1"));  // quotes dropped
  EXPECT_TRUE(same_running_value("1,0x2,3", true, "1,2,3"));          // arrays
  EXPECT_FALSE(same_running_value("1,2", true, "1,2,3"));
  EXPECT_FALSE(same_running_value("abc", true, "abd"));
}

// dpkg installs a package of two real Debian modules; the snapshot then lists one package row
// with their digest and no module row; pcspkr (copied by hand) is listed as "no-package".
// Modifying a packaged file lists it as "modified" and drops it from the package's digest.
TEST(Snapshot, PackageFilesFoldIntoOneDigestAndModifiedOnesAreListed) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  if (!pkgfix::have_tools()) GTEST_SKIP() << "dpkg-deb not installed";
  Root r(td::kOld61);
  const std::string k = r.kver();
  std::string work = td::make_temp_dir("snapdeb");
  std::string deb =
      pkgfix::build_deb(work, "ofs-net", "1.0-1",
                        {{"/lib/modules/" + k + "/" + kDummy, scn::in_tree(k, kDummy), ""},
                         {"/lib/modules/" + k + "/kernel/drivers/net/ifb.ko",
                          scn::in_tree(k, "kernel/drivers/net/ifb.ko"), ""}});
  pkgfix::dpkg_install(r.path(), deb);
  ASSERT_TRUE(td::exists(r.path() + "/var/lib/dpkg/info/ofs-net.md5sums"));
  r.depmod();
  check::Snapshot s = snap(r);
  ASSERT_EQ(s.packages.size(), 1u);
  EXPECT_EQ(s.packages[0].name, "ofs-net");
  EXPECT_EQ(s.packages[0].version, "1.0-1");
  EXPECT_EQ(s.packages[0].modules, 2u);
  EXPECT_EQ(s.packages[0].digest.size(), 64u);
  ASSERT_EQ(s.modules.size(), 1u);
  EXPECT_EQ(s.modules[0].name, "pcspkr");
  EXPECT_EQ(s.modules[0].why, "no-package");
  EXPECT_EQ(s.modules[0].path, kPcspkr);
  EXPECT_EQ(s.modules[0].sha256,
            td::run("sha256sum '" + r.mod_dir() + "/" + kPcspkr + "'").substr(0, 64));
  EXPECT_TRUE(s.modules[0].loads);

  // Same bytes plus one: a hand-modified packaged file.
  std::ofstream(r.mod_dir() + "/" + kDummy, std::ios::app | std::ios::binary) << '\0';
  check::Snapshot m = snap(r);
  ASSERT_EQ(m.packages.size(), 1u);
  EXPECT_EQ(m.packages[0].modules, 1u);
  EXPECT_NE(m.packages[0].digest, s.packages[0].digest);
  const check::SnapshotModule* d = listed(m, "dummy");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->why, "modified");
  EXPECT_EQ(d->package, "ofs-net");
  EXPECT_EQ(d->version, "1.0-1");
  std::filesystem::remove_all(work);
}

// The same with rpm: rpmbuild records sha256 file digests, rpm installs the package into the
// root's own database; librpm's digests cover the file until it is modified.
TEST(Snapshot, RpmFileDigestsCoverUnmodifiedFiles) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  if (!pkgfix::have_tools()) GTEST_SKIP() << "rpmbuild/rpm not installed";
  Root r(td::kOld61);
  const std::string k = r.kver();
  std::string work = td::make_temp_dir("snaprpm");
  std::string rpm =
      pkgfix::build_rpm(work, "ofs-net", "1.0", "1",
                        {{"/lib/modules/" + k + "/" + kDummy, scn::in_tree(k, kDummy), ""}});
  pkgfix::rpm_install(r.path(), rpm);
  r.depmod();
  check::Snapshot s = snap(r);
  ASSERT_EQ(s.packages.size(), 1u);
  EXPECT_EQ(s.packages[0].name, "ofs-net");
  EXPECT_EQ(s.packages[0].version, "1.0-1");
  EXPECT_EQ(s.packages[0].modules, 1u);
  EXPECT_EQ(listed(s, "dummy"), nullptr);
  std::ofstream(r.mod_dir() + "/" + kDummy, std::ios::app | std::ios::binary) << '\0';
  check::Snapshot m = snap(r);
  EXPECT_TRUE(m.packages.empty());
  const check::SnapshotModule* d = listed(m, "dummy");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->why, "modified");
  EXPECT_EQ(d->package, "ofs-net");
  std::filesystem::remove_all(work);
}

TEST(Snapshot, OptionsInKernelOrderWithSourcesOnTheNode) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  Root r(td::kOld61, {kDummy});
  r.write("etc/modprobe.d/a.conf", "options dummy numdummies=2\noptions pcspkr\n");
  r.write("etc/modprobe.d/b.conf", "options dummy numdummies=3 flag\n");
  r.depmod();
  check::Snapshot s = snap(r);
  ASSERT_EQ(s.options.size(), 3u);
  EXPECT_EQ(s.options[0].module, "dummy");
  EXPECT_EQ(*s.options[0].value, "2");
  EXPECT_EQ(s.options[0].source, "/etc/modprobe.d/a.conf:1");
  EXPECT_EQ(*s.options[1].value, "3");
  EXPECT_EQ(s.options[1].source, "/etc/modprobe.d/b.conf:1");
  EXPECT_EQ(s.options[2].param, "flag");
  EXPECT_FALSE(s.options[2].value.has_value());
  EXPECT_FALSE(s.live);
  EXPECT_TRUE(s.loaded.empty());
}

// A live root: /proc/modules and /sys/module/*/parameters from directories standing in for
// them. numdummies runs with 1 while the configuration says 3 (the last setting wins): drift.
// flag is configured bare and runs as Y: no drift. A running parameter nobody configured is
// not drift.
TEST(Snapshot, LiveRootListsLoadedModulesAndRunningDrift) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  Root r(td::kOld61, {kDummy});
  r.write("etc/modprobe.d/a.conf",
          "options dummy numdummies=2 flag\noptions dummy numdummies=0x3\n");
  r.write("live/proc/modules", "dummy 16384 0 - Live 0x0\nib_core 450560 0 - Live 0x0\n");
  r.write("live/sys/module/dummy/parameters/numdummies", "1\n");
  r.write("live/sys/module/dummy/parameters/flag", "Y\n");
  r.write("live/sys/module/ib_core/parameters/recv_queue_size", "512\n");
  r.depmod();
  check::SnapshotInputs in;
  in.live = read::LiveDirs{r.path() + "/live/proc", r.path() + "/live/sys"};
  check::Snapshot s = snap(r, in);
  EXPECT_TRUE(s.live);
  ASSERT_EQ(s.loaded.size(), 2u);
  EXPECT_EQ(s.loaded[1].name, "ib_core");
  EXPECT_EQ(s.loaded[1].params[0].second, "512");
  ASSERT_EQ(s.running_drift.size(), 1u);
  EXPECT_EQ(s.running_drift[0].module, "dummy");
  EXPECT_EQ(s.running_drift[0].param, "numdummies");
  EXPECT_EQ(s.running_drift[0].configured, "0x3");
  EXPECT_EQ(s.running_drift[0].running, "1");
  // No /proc/modules: said, not faked.
  in.live = read::LiveDirs{r.path() + "/none", r.path() + "/live/sys"};
  check::Snapshot n = snap(r, in);
  EXPECT_TRUE(n.loaded.empty());
  ASSERT_EQ(n.problems.size(), 1u);
  EXPECT_NE(n.problems[0].find("loaded modules not known"), std::string::npos);
}

TEST(Snapshot, NodeNameDefaults) {
  EXPECT_EQ(check::default_node_name("/srv/nodes/cn001/"), "cn001");
  EXPECT_EQ(check::default_node_name("/srv/nodes/cn001"), "cn001");
  EXPECT_FALSE(check::default_node_name("/").empty());
  EXPECT_EQ(check::default_node_name(""), check::default_node_name("/"));
}

}  // namespace
}  // namespace ofsck
