// Package ownership in `ofsck check` findings, on roots whose databases dpkg and rpm wrote:
// OFS111 (two packages, one module name), OFS110 (a hand-copied module), and the package of
// every module/config location.
#include "check/rules/packages.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "check/check_tree.hpp"
#include "check/rules.hpp"
#include "pkg_fixture.hpp"
#include "scenario/scenario_util.hpp"

using namespace ofsck;
namespace pf = ofsck::pkgfix;
namespace td = ofsck::testdata;

namespace {

const std::string kK = td::kNew61;
const std::string kPcspkr = "kernel/drivers/input/misc/pcspkr.ko";
const std::string kUinput = "kernel/drivers/input/misc/uinput.ko";

/// Node `kver` of `root` with no command line, read without signatures (not what these tests
/// are about, and faster).
Result<check::Node> prepare_node(const std::string& root, const std::string& kver) {
  check::NodeSpec spec;
  spec.root = root;
  spec.kver = kver;
  spec.cmdline = "";
  check::ReadSettings rs;
  rs.skip_kernel_image = true;
  rs.verify_content = false;
  return check::prepare(spec, rs);
}

check::CheckResult run_check(const scn::Root& r) {
  auto p = prepare_node(r.path(), r.kver());
  if (!p) ADD_FAILURE() << p.error().message;
  return p ? check::evaluate(*p, {}) : check::CheckResult{};
}

std::vector<const check::Finding*> by_rule(const check::CheckResult& r, std::string_view rule,
                                           const std::string& subject = "") {
  std::vector<const check::Finding*> v;
  for (const auto& f : r.findings)
    if (f.rule == rule && (subject.empty() || f.subject == subject)) v.push_back(&f);
  return v;
}

#define REQUIRE_PKG_TOOLS()                                                 \
  do {                                                                      \
    OFSCK_REQUIRE_DATA(td::module_dir(kK));                                 \
    if (!pf::have_tools()) GTEST_SKIP() << "dpkg-deb/rpmbuild/rpm missing"; \
  } while (0)

TEST(Packages, TwoDebsShipOneModuleAndAHandCopiedOne) {
  REQUIRE_PKG_TOOLS();
  scn::Root r(kK, {kPcspkr, kUinput});  // both copied by hand: owned by no package
  std::string work = td::make_temp_dir("pkgs");
  const std::string src = td::module_dir(kK) + "/" + kPcspkr;
  const std::string md = "/lib/modules/" + kK;
  pf::dpkg_install(r.path(), pf::build_deb(work, "ofsck-vendor-a", "1.0-1",
                                           {{md + "/updates/pcspkr.ko", src, ""},
                                            {"/etc/modprobe.d/ofsck-a.conf", "",
                                             "options pcspkr no_such_param=1\n"}}));
  pf::dpkg_install(r.path(), pf::build_deb(work, "ofsck-vendor-b", "2.0",
                                           {{md + "/extra/pcspkr.ko", src, ""}}));
  auto res = run_check(r);

  // OFS111 names both packages and the winner (updates/ beats extra/: depmod's default search).
  auto two = by_rule(res, check::kSameModuleTwoPackages, "pcspkr");
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0]->severity, check::Severity::kWarning);
  EXPECT_NE(two[0]->message.find("2 packages"), std::string::npos) << two[0]->message;
  EXPECT_NE(two[0]->message.find("updates/pcspkr.ko (from ofsck-vendor-a_1.0-1) wins over"),
            std::string::npos)
      << two[0]->message;
  EXPECT_NE(two[0]->message.find("extra/pcspkr.ko (from ofsck-vendor-b_2.0)"), std::string::npos);
  EXPECT_NE(two[0]->message.find(kPcspkr + " (no package)"), std::string::npos);
  ASSERT_EQ(two[0]->where.size(), 3u);
  EXPECT_EQ(two[0]->where[0].path, r.mod_dir() + "/updates/pcspkr.ko");
  EXPECT_EQ(two[0]->where[0].package, "ofsck-vendor-a_1.0-1");

  // OFS110 for the hand-copied uinput only; pcspkr's winner is packaged.
  auto unowned = by_rule(res, check::kUnownedModule);
  ASSERT_EQ(unowned.size(), 1u);
  EXPECT_EQ(unowned[0]->subject, "uinput");
  EXPECT_EQ(unowned[0]->severity, check::Severity::kNote);
  EXPECT_EQ(unowned[0]->where[0].package, check::kNoPackage);

  // The OFS106 shadow note says who ships each candidate.
  auto shadow = by_rule(res, check::kShadowedProvider, "pcspkr");
  ASSERT_EQ(shadow.size(), 1u);
  EXPECT_EQ(shadow[0]->where[0].package, "ofsck-vendor-a_1.0-1");
  bool noted = false;
  for (const auto& n : shadow[0]->notes)
    noted |= n.find("extra/pcspkr.ko (from ofsck-vendor-b_2.0)") != std::string::npos;
  EXPECT_TRUE(noted);

  // Config locations (target-system paths) carry their package too.
  auto param = by_rule(res, check::kUnknownParameter);
  ASSERT_FALSE(param.empty());
  ASSERT_FALSE(param[0]->where.empty());
  EXPECT_EQ(param[0]->where[0].path, "/etc/modprobe.d/ofsck-a.conf");
  EXPECT_EQ(param[0]->where[0].package, "ofsck-vendor-a_1.0-1");
  std::filesystem::remove_all(work);
}

TEST(Packages, RpmVendorOverride) {
  REQUIRE_PKG_TOOLS();
  scn::Root r(kK, {kPcspkr});
  std::string work = td::make_temp_dir("pkgs");
  const std::string src = td::module_dir(kK) + "/" + kPcspkr;
  const std::string conf = "/etc/depmod.d/zz01-vendor-pcspkr.conf";
  pf::rpm_install(r.path(),
                  pf::build_rpm(work, "ofsck-vendor-pcspkr", "1.2", "3",
                                {{"/lib/modules/" + kK + "/extra/vendor/pcspkr.ko", src, ""},
                                 {conf, "", "override pcspkr * extra/vendor\n"}}));
  auto res = run_check(r);
  auto shadow = by_rule(res, check::kShadowedProvider, "pcspkr");
  ASSERT_EQ(shadow.size(), 1u);
  EXPECT_EQ(shadow[0]->where[0].path, r.mod_dir() + "/extra/vendor/pcspkr.ko");
  EXPECT_EQ(shadow[0]->where[0].package, "ofsck-vendor-pcspkr-1.2-3");
  ASSERT_GE(shadow[0]->where.size(), 2u);
  EXPECT_EQ(shadow[0]->where[1].path, conf);
  EXPECT_EQ(shadow[0]->where[1].package, "ofsck-vendor-pcspkr-1.2-3");
  // One package only: no OFS111; the winner is owned: no OFS110.
  EXPECT_TRUE(by_rule(res, check::kSameModuleTwoPackages).empty());
  EXPECT_TRUE(by_rule(res, check::kUnownedModule).empty());
  std::filesystem::remove_all(work);
}

TEST(Packages, WholeKernelOwnedByLinuxImage) {
  REQUIRE_PKG_TOOLS();
  const std::string deb =
      td::cache_dir() + "/debs/linux-image-6.1.0-56-amd64-unsigned_6.1.192-2_amd64.deb";
  OFSCK_REQUIRE_DATA(deb);
  scn::Root r(kK, {kPcspkr, kUinput});
  // The tree was extracted with dpkg-deb -x: write the database dpkg would have, from the
  // package's own control fields and file list.
  std::string name = pf::must_run("dpkg-deb -f " + pf::q(deb) + " Package");
  std::string version = pf::must_run("dpkg-deb -f " + pf::q(deb) + " Version");
  while (!name.empty() && name.back() == '\n') name.pop_back();
  while (!version.empty() && version.back() == '\n') version.pop_back();
  scn::write_file(r.path() + "/var/lib/dpkg/status",
                  "Package: " + name + "\nStatus: install ok installed\nVersion: " + version +
                      "\nArchitecture: amd64\n\n");
  std::filesystem::create_directories(r.path() + "/var/lib/dpkg/info");
  pf::must_run("dpkg-deb --fsys-tarfile " + pf::q(deb) +
               " | tar -t | sed -e 's|^\\./|/|' -e 's|/$||' -e 's|^\\.$|/.|' > " +
               pf::q(r.path() + "/var/lib/dpkg/info/" + name + ".list"));
  auto res = run_check(r);
  EXPECT_TRUE(by_rule(res, check::kUnownedModule).empty());
  EXPECT_TRUE(by_rule(res, check::kSameModuleTwoPackages).empty());

  // A hand-copied module next to the packaged kernel is the classic case.
  r.add(td::module_dir(kK) + "/" + kPcspkr, "updates/pcspkr.ko");
  auto res2 = run_check(r);
  auto unowned = by_rule(res2, check::kUnownedModule);
  ASSERT_EQ(unowned.size(), 1u);
  EXPECT_EQ(unowned[0]->subject, "pcspkr");
  bool shadows = false;
  for (const auto& n : unowned[0]->notes)
    shadows |= n == "it shadows " + kPcspkr + " (from " + name + "_" + version + ")";
  EXPECT_TRUE(shadows) << scn::join(unowned[0]->notes);
}

TEST(Packages, ExtractedTreeWithoutDatabaseSaysNothing) {
  OFSCK_REQUIRE_DATA(td::module_dir(kK));
  scn::Root r(kK, {kPcspkr, kUinput});
  auto res = run_check(r);
  EXPECT_TRUE(by_rule(res, check::kUnownedModule).empty());
  for (const auto& f : res.findings)
    for (const auto& w : f.where) EXPECT_EQ(w.package, "") << f.rule << " " << w.path;
}

TEST(Packages, WholeTreeUnownedIsOneFinding) {
  REQUIRE_PKG_TOOLS();
  scn::Root r(kK, {kPcspkr, kUinput});
  std::string work = td::make_temp_dir("pkgs");
  pf::dpkg_install(r.path(), pf::build_deb(work, "unrelated", "1",
                                           {{"/usr/share/doc/unrelated/README", "", "x\n"}}));
  auto res = run_check(r);
  auto unowned = by_rule(res, check::kUnownedModule);
  ASSERT_EQ(unowned.size(), 1u);
  EXPECT_EQ(unowned[0]->subject, kK);
  EXPECT_NE(unowned[0]->message.find("none of the 2 modules"), std::string::npos);
  std::filesystem::remove_all(work);
}

}  // namespace

namespace {

/// `ofsck explain MODULE` on a root (text output, no signature work).
std::string explain(const scn::Root& r, const std::string& module, int* status = nullptr) {
  int st = 0;
  std::string out =
      td::run(scn::shq(td::ofsck_bin()) + " explain -q --no-verify-content --root " +
                  scn::shq(r.path()) + " --kernel " + r.kver() + " " + module + " 2>&1",
              &st);
  if (status) *status = st;
  return out;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  size_t i = 0;
  while (i < s.size()) {
    size_t nl = s.find('\n', i);
    if (nl == std::string::npos) nl = s.size();
    v.push_back(s.substr(i, nl - i));
    i = nl + 1;
  }
  return v;
}

// explain names the package of the winner, of every other candidate and of the depmod.d line
// that decided: here an RPM's override beats a .deb's updates/ copy and a hand-copied in-tree
// file (a root with both databases, read by the same ownership code as `check`).
TEST(Packages, ExplainNamesThePackageOfEveryCandidateAndTheDecidingLine) {
  REQUIRE_PKG_TOOLS();
  scn::Root r(kK, {kPcspkr});
  std::string work = td::make_temp_dir("pkgs");
  const std::string src = td::module_dir(kK) + "/" + kPcspkr;
  const std::string md = "/lib/modules/" + kK;
  const std::string conf = "/etc/depmod.d/zz01-vendor-pcspkr.conf";
  pf::dpkg_install(r.path(), pf::build_deb(work, "ofsck-vendor-a", "1.0-1",
                                           {{md + "/updates/pcspkr.ko", src, ""}}));
  pf::rpm_install(r.path(),
                  pf::build_rpm(work, "ofsck-vendor-pcspkr", "1.2", "3",
                                {{md + "/extra/vendor/pcspkr.ko", src, ""},
                                 {conf, "", "# vendor\noverride pcspkr * extra/vendor\n"}}));
  int st = -1;
  std::string out = explain(r, "pcspkr", &st);
  EXPECT_EQ(st, 0) << out;
  auto l = lines_of(out);
  ASSERT_GE(l.size(), 12u) << out;
  EXPECT_EQ(l[0], "module pcspkr");
  EXPECT_EQ(l[1], "  file: " + r.mod_dir() + "/extra/vendor/pcspkr.ko");
  EXPECT_EQ(l[2], "  package: ofsck-vendor-pcspkr-1.2-3");
  EXPECT_EQ(l[3], "  candidates (3):");
  // Candidates come in readdir() order, which the filesystem decides.
  std::vector<std::string> cands(l.begin() + 4, l.begin() + 7);
  std::sort(cands.begin(), cands.end());
  EXPECT_EQ(cands, (std::vector<std::string>{
                       "    extra/vendor/pcspkr.ko (package ofsck-vendor-pcspkr-1.2-3)",
                       "    " + kPcspkr + " (not owned by any package)",
                       "    updates/pcspkr.ko (package ofsck-vendor-a_1.0-1)"}))
      << out;
  const std::string decided = "    decided by: " + conf + ":2 (package ofsck-vendor-pcspkr-1.2-3)";
  for (const std::string& loser : {std::string("updates/pcspkr.ko"), kPcspkr}) {
    std::string pair = "  lost: " + loser +
                       " — lost to extra/vendor/pcspkr.ko: override pcspkr * extra/vendor (" +
                       conf + ":2)\n" + decided + "\n";
    EXPECT_NE(out.find(pair), std::string::npos) << pair << "\nnot in:\n" << out;
  }
  std::filesystem::remove_all(work);
}

// Without an override, depmod's built-in order decides (no configuration line to own); a root
// without any package database says so once instead of calling every file unowned.
TEST(Packages, ExplainWithoutConfigLineOrDatabase) {
  OFSCK_REQUIRE_DATA(td::module_dir(kK));
  scn::Root r(kK, {kPcspkr});
  r.add(td::module_dir(kK) + "/" + kPcspkr, "updates/pcspkr.ko");
  std::string out = explain(r, "pcspkr");
  auto l = lines_of(out);
  ASSERT_GE(l.size(), 8u) << out;
  EXPECT_EQ(l[1], "  file: " + r.mod_dir() + "/updates/pcspkr.ko");
  EXPECT_EQ(l[2], "  package: unknown (the root has no dpkg or RPM database)");
  std::vector<std::string> cands(l.begin() + 4, l.begin() + 6);
  std::sort(cands.begin(), cands.end());
  EXPECT_EQ(cands, (std::vector<std::string>{"    " + kPcspkr, "    updates/pcspkr.ko"})) << out;
  EXPECT_NE(out.find("\n  lost: " + kPcspkr + " — lost to updates/pcspkr.ko: "), std::string::npos)
      << out;
  EXPECT_NE(out.find("\n    decided by: depmod's built-in search order (no configuration line)\n"),
            std::string::npos)
      << out;
}

}  // namespace

namespace {

// The in-memory change list (what `whatif` hands over): an added package owns its paths and
// meets the installed ones in OFS111; a removed one owns nothing; the root's database on disk
// is only read.
TEST(Packages, InMemoryChangesAddAndRemoveOwners) {
  REQUIRE_PKG_TOOLS();
  scn::Root r(kK, {});
  std::string work = td::make_temp_dir("pkgs");
  const std::string src = td::module_dir(kK) + "/" + kPcspkr;
  const std::string md = "/lib/modules/" + kK;
  pf::dpkg_install(r.path(),
                   pf::build_deb(work, "ofsck-kernel", "6.1",
                                 {{md + "/" + kPcspkr, src, ""},
                                  {md + "/" + kUinput, td::module_dir(kK) + "/" + kUinput, ""}}));
  r.add(src, "updates/pcspkr.ko");  // on disk, but only "installed" in memory
  const std::string status_before = scn::read_file(r.path() + "/var/lib/dpkg/status");

  auto p = prepare_node(r.path(), kK);
  ASSERT_TRUE(p) << p.error().message;

  read::PackageChanges ch;
  read::PackageAddition add;
  add.package.name = "ofsck-new";
  add.package.version = "9";
  add.package.state = "installed";
  add.paths = {md + "/updates/pcspkr.ko", md + "/updates"};
  ch.install.push_back(add);
  check::DiagnosticSink sink;
  auto db = check::load_packages(*p, sink, &ch);
  ASSERT_TRUE(db);
  EXPECT_EQ(check::package_of(*p, *db, r.mod_dir() + "/updates/pcspkr.ko"), "ofsck-new_9");
  EXPECT_EQ(check::package_of(*p, *db, r.mod_dir() + "/" + kPcspkr), "ofsck-kernel_6.1");
  check::add_package_findings(*p, *db, sink);
  auto f = sink.take();
  std::vector<std::string> rules;
  for (const auto& x : f) rules.push_back(x.rule + " " + x.subject + ": " + x.message);
  ASSERT_EQ(rules.size(), 1u) << scn::join(rules);
  EXPECT_EQ(rules[0], std::string(check::kSameModuleTwoPackages) +
                          " pcspkr: module pcspkr is shipped by 2 packages for " + kK +
                          ": updates/pcspkr.ko (from ofsck-new_9) wins over " + kPcspkr +
                          " (from ofsck-kernel_6.1)");

  // Removing the kernel package: its files are owned by nobody (whatif deletes them).
  read::PackageChanges rm;
  rm.remove = {"ofsck-kernel_6.1"};
  check::DiagnosticSink sink2;
  auto db2 = check::load_packages(*p, sink2, &rm);
  ASSERT_TRUE(db2);
  EXPECT_EQ(check::package_of(*p, *db2, r.mod_dir() + "/" + kPcspkr), check::kNoPackage);
  EXPECT_EQ(db2->packages[0].state, "removed");

  // Applied to a copy of the node's databases (what whatif's check of the overlay does):
  // evaluate() judges the edited ownership.
  {
    check::Node edited = *p;
    ASSERT_TRUE(edited.packages);
    check::apply_changes(edited, *edited.packages, ch);
    auto res = check::evaluate(edited, {});
    EXPECT_EQ(by_rule(res, check::kSameModuleTwoPackages, "pcspkr").size(), 1u);
    EXPECT_TRUE(by_rule(res, check::kUnownedModule).empty());
  }
  auto res = check::evaluate(*p, {});
  EXPECT_TRUE(by_rule(res, check::kSameModuleTwoPackages).empty());
  ASSERT_EQ(by_rule(res, check::kUnownedModule, "pcspkr").size(), 1u);
  EXPECT_EQ(scn::read_file(r.path() + "/var/lib/dpkg/status"), status_before);
  std::filesystem::remove_all(work);
}

}  // namespace
