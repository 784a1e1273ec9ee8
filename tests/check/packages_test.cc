// Package ownership in `ofsck check` findings, on roots whose databases dpkg and rpm wrote:
// OFS111 (two packages, one module name), OFS110 (a hand-copied module), and the package of
// every module/config location.
#include "check/rules/packages.hpp"

#include <gtest/gtest.h>

#include "check/check_tree.hpp"
#include "check/rules.hpp"
#include "check/scenario_util.hpp"
#include "pkg_fixture.hpp"

using namespace ofsck;
namespace pf = ofsck::pkgfix;
namespace td = ofsck::testdata;

namespace {

const std::string kK = td::kNew61;
const std::string kPcspkr = "kernel/drivers/input/misc/pcspkr.ko";
const std::string kUinput = "kernel/drivers/input/misc/uinput.ko";

check::CheckResult run_check(const scn::Root& r) {
  check::CheckOptions o;
  o.root = r.path();
  o.kver = r.kver();
  o.cmdline = "";
  // Signatures are not what these tests are about (and keep the run fast).
  o.skip_kernel_image = true;
  o.verify_content = false;
  auto p = check::prepare(o);
  if (!p) ADD_FAILURE() << p.error().message;
  return p ? check::evaluate(*p, o) : check::CheckResult{};
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
  pf::dpkg_install(
      r.path(),
      pf::build_deb(work, "ofsck-vendor-a", "1.0-1",
                    {{md + "/updates/pcspkr.ko", src, ""},
                     {"/etc/modprobe.d/ofsck-a.conf", "", "options pcspkr no_such_param=1\n"}}));
  pf::dpkg_install(
      r.path(), pf::build_deb(work, "ofsck-vendor-b", "2.0", {{md + "/extra/pcspkr.ko", src, ""}}));
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
