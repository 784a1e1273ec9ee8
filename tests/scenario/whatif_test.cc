// `ofsck whatif` with real packages: a .deb built with dpkg-deb around a kbuild-built module,
// an .rpm built with rpmbuild in the vendor layout (extra/<vendor>/ + a zz01 depmod.d
// override), Debian's own linux-image package bringing a second kernel, and broken packages.
// The inspected root must never change.
#include <gtest/gtest.h>

#include <filesystem>

#include "pkg_fixture.hpp"
#include "scenario_util.hpp"

namespace ofsck::scn {
namespace {

const std::string kK = td::kNew61;

std::vector<const json*> in(const json& doc, const std::string& list, const std::string& rule,
                            const std::string& subject = "") {
  std::vector<const json*> v;
  for (const auto& f : doc[list])
    if (f.value("rule", "") == rule && (subject.empty() || f.value("subject", "") == subject))
      v.push_back(&f);
  return v;
}

const json* change(const json& doc, const std::string& list, const std::string& name) {
  for (const auto& c : doc[list])
    if (c.value("name", "") == name) return &c;
  return nullptr;
}

/// A listing of every path under `dir` with sizes: the root must be the same after whatif.
std::string snapshot(const std::string& dir) {
  return td::run("cd " + shq(dir) + " && find . -printf '%p %s %T@ %l\\n' | sort");
}

class WhatifTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pkgfix::have_tools()) GTEST_SKIP() << "dpkg-deb/rpmbuild not installed";
    OFSCK_REQUIRE_DATA(td::module_dir(kK));
    std::string why;
    ASSERT_TRUE(ensure_test_modules(kK, &why)) << why;
    work_ = td::make_temp_dir("whatif");
  }
  void TearDown() override {
    std::error_code ec;
    if (!work_.empty()) fs::remove_all(work_, ec);
  }
  Out whatif(const Root& r, std::vector<std::string> extra, bool kernel = true) {
    std::vector<std::string> a = {"whatif", "--root", r.path(),    "--format",
                                  "json",   "-q",     "--no-cache"};
    if (kernel) a.insert(a.end(), {"--kernel", r.kver()});
    a.insert(a.end(), extra.begin(), extra.end());
    return ofsck(a);
  }
  std::string work_;
};

// A vendor .deb puts ofs_core v2 into updates/, where it beats the v1 that ofs_consumer was
// built against: the change introduces OFS203 and ofs_consumer goes from loads to EINVAL.
// Removing that package again (once installed with dpkg) fixes it.
TEST_F(WhatifTest, VendorDebIntroducesCrcMismatchAndRemovalFixesIt) {
  Root r(kK);
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r.add_test("unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko");
  r.depmod();
  std::string deb = pkgfix::build_deb(work_, "acme-ofs-core", "2.0",
                                      {{"/lib/modules/" + kK + "/updates/ofs_core.ko",
                                        tm(kK, "unsigned/ofs_core-v2/ofs_core.ko"), ""}});
  std::string before = snapshot(r.path());
  Out w = whatif(r, {"--install", deb});
  ASSERT_TRUE(w.parsed) << w.out << w.err;
  EXPECT_EQ(w.status, 1) << w.out << w.err;
  EXPECT_EQ(snapshot(r.path()), before) << "whatif changed the inspected root";
  EXPECT_EQ(w.doc["schema"], 3);
  auto f = in(w.doc, "introduced", "OFS203", "ofs_consumer");
  ASSERT_EQ(f.size(), 1u) << w.doc.dump(2);
  // Paths are the root's, never the overlay's.
  EXPECT_EQ(w.doc.dump().find("ofsck-whatif-"), std::string::npos) << w.doc.dump(2);
  // ... named as the node sees them (docs/json-schema.md, "Paths in findings").
  EXPECT_EQ((*f[0])["locations"][0]["path"], "/lib/modules/" + kK + "/extra/ofs_consumer.ko");
  EXPECT_TRUE((*f[0])["locations"][0]["in_root"].get<bool>());
  const json* c = change(w.doc, "verdict_changes", "ofs_consumer");
  ASSERT_NE(c, nullptr) << w.doc.dump(2);
  EXPECT_TRUE((*c)["before"]["loads"].get<bool>());
  EXPECT_FALSE((*c)["after"]["loads"].get<bool>());
  EXPECT_EQ((*c)["after"]["errno"], "EINVAL");
  const json* wc = change(w.doc, "winner_changes", "ofs_core");
  ASSERT_NE(wc, nullptr) << w.doc.dump(2);
  EXPECT_EQ((*wc)["after"], "updates/ofs_core.ko");
  EXPECT_TRUE(w.doc["fixed"].empty() || in(w.doc, "fixed", "OFS203").empty());

  // Text form: compiler-style sections.
  Out t =
      ofsck({"whatif", "--root", r.path(), "--kernel", kK, "-q", "--no-cache", "--install", deb});
  EXPECT_EQ(t.status, 1);
  EXPECT_NE(t.out.find("introduced:\n"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("error[OFS203]"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("ofs_consumer: loads -> FAILS (EINVAL)"), std::string::npos) << t.out;

  // Now really install it (dpkg database in the root), then ask what removing it does.
  pkgfix::dpkg_install(r.path(), deb);
  r.depmod();
  Out chk = check(r);
  ASSERT_EQ(findings(chk.doc, "OFS203", "ofs_consumer").size(), 1u) << chk.out;
  before = snapshot(r.path());
  Out rm = whatif(r, {"--remove", "acme-ofs-core"});
  ASSERT_TRUE(rm.parsed) << rm.out << rm.err;
  EXPECT_EQ(rm.status, 0) << rm.out << rm.err;
  EXPECT_EQ(snapshot(r.path()), before);
  EXPECT_EQ(in(rm.doc, "fixed", "OFS203", "ofs_consumer").size(), 1u) << rm.doc.dump(2);
  EXPECT_TRUE(in(rm.doc, "introduced", "OFS203").empty());
  const json* c2 = change(rm.doc, "verdict_changes", "ofs_consumer");
  ASSERT_NE(c2, nullptr) << rm.doc.dump(2);
  EXPECT_FALSE((*c2)["before"]["loads"].get<bool>());
  EXPECT_TRUE((*c2)["after"]["loads"].get<bool>());
  EXPECT_EQ(rm.doc["removed"][0], "acme-ofs-core_2.0");
  // An unknown package is a usage error.
  EXPECT_EQ(whatif(r, {"--remove", "no-such-package"}).status, 2);
}

// The vendor RPM layout: extra/<vendor>/ofs_core.ko plus zz01-<vendor>-ofs_core.conf with an
// override. Without the override updates/ (v1) would win; with it the vendor's v2 wins, and
// ofs_consumer (built against v1) fails.
TEST_F(WhatifTest, VendorRpmOverrideTakesEffect) {
  Root r(kK);
  r.add_test("unsigned/ofs_core.ko", "updates/ofs_core.ko");
  r.add_test("unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko");
  r.write("etc/depmod.d/.keep", "");
  r.depmod();
  std::string rpm = pkgfix::build_rpm(work_, "kmod-acme-ofs_core", "2.0", "1",
                                      {{"/lib/modules/" + kK + "/extra/acme/ofs_core.ko",
                                        tm(kK, "unsigned/ofs_core-v2/ofs_core.ko"), ""},
                                       {"/etc/depmod.d/zz01-acme-ofs_core.conf", "",
                                        "override ofs_core " + kK + " extra/acme\n"}});
  std::string before = snapshot(r.path());
  Out w = whatif(r, {"--install", rpm});
  ASSERT_TRUE(w.parsed) << w.out << w.err;
  EXPECT_EQ(snapshot(r.path()), before);
  const json* wc = change(w.doc, "winner_changes", "ofs_core");
  ASSERT_NE(wc, nullptr) << w.doc.dump(2);
  EXPECT_EQ((*wc)["before"], "updates/ofs_core.ko");
  EXPECT_EQ((*wc)["after"], "extra/acme/ofs_core.ko");
  EXPECT_EQ(in(w.doc, "introduced", "OFS203", "ofs_consumer").size(), 1u) << w.doc.dump(2);
  EXPECT_EQ(w.status, 1);
  EXPECT_NE(w.doc["installed"][0].get<std::string>().find("rpm"), std::string::npos);
  // Through a warm persistent cache: the same answer, and the overlay adds no cache files
  // (untouched files are looked up under the root's paths; the cache is never written).
  std::string cdir = work_ + "/cache";
  ASSERT_TRUE(
      ofsck({"check", "--root", r.path(), "--kernel", kK, "-q", "--cache-dir", cdir}).status <= 1);
  size_t files_before = 0, files_after = 0;
  for (const auto& e : fs::directory_iterator(cdir)) files_before += e.is_regular_file();
  Out cached = ofsck({"whatif", "--root", r.path(), "--kernel", kK, "--format", "json", "-q",
                      "--cache-dir", cdir, "--install", rpm});
  ASSERT_TRUE(cached.parsed) << cached.out << cached.err;
  EXPECT_EQ(cached.doc["introduced"], w.doc["introduced"]);
  EXPECT_EQ(cached.doc["fixed"], w.doc["fixed"]);
  EXPECT_EQ(cached.doc["verdict_changes"], w.doc["verdict_changes"]);
  for (const auto& e : fs::directory_iterator(cdir)) files_after += e.is_regular_file();
  EXPECT_EQ(files_after, files_before);
  // Without --kernel: the kernel the package touches is found from its paths.
  Out nk = whatif(r, {"--install", rpm}, false);
  ASSERT_TRUE(nk.parsed) << nk.out << nk.err;
  ASSERT_EQ(nk.doc["kernels"].size(), 1u);
  EXPECT_EQ(nk.doc["kernels"][0]["kernel_release"], kK);
}

// Debian's own linux-image-6.1.0-47 package over a root that holds only 6.1.0-56: the what-if
// brings the new kernel and checks its stock modules (no errors); 6.1.0-56 is untouched.
TEST_F(WhatifTest, DebianKernelPackageBringsItsKernel) {
  std::string deb =
      td::cache_dir() + "/debs/linux-image-6.1.0-47-amd64-unsigned_6.1.170-3_amd64.deb";
  OFSCK_REQUIRE_DATA(deb);
  Root r(kK);
  r.depmod();
  std::string before = snapshot(r.path());
  Out w = whatif(r, {"--install", deb}, false);
  ASSERT_TRUE(w.parsed) << w.out << w.err;
  EXPECT_EQ(snapshot(r.path()), before);
  ASSERT_EQ(w.doc["kernels"].size(), 1u) << w.doc["kernels"].dump(2);
  const json& k = w.doc["kernels"][0];
  EXPECT_EQ(k["kernel_release"], td::kOld61);
  EXPECT_FALSE(k["before_exists"].get<bool>());
  EXPECT_GT(k["modules_after"].get<size_t>(), 3000u);
  EXPECT_EQ(k["introduced_errors"], 0) << w.doc["introduced"].dump(2);
  EXPECT_EQ(w.status, 0) << w.err;
}

TEST_F(WhatifTest, CorruptPackageIsUnreadableInputNamingTheFile) {
  Root r(kK);
  std::string deb = pkgfix::build_deb(work_, "acme-ofs-core", "2.0",
                                      {{"/lib/modules/" + kK + "/updates/ofs_core.ko",
                                        tm(kK, "unsigned/ofs_core-v2/ofs_core.ko"), ""}});
  std::string cut = work_ + "/cut.deb";
  td::run("head -c " + std::to_string(fs::file_size(deb) / 2) + " " + shq(deb) + " > " + shq(cut));
  Out w = whatif(r, {"--install", cut});
  EXPECT_EQ(w.status, 3) << w.out << w.err;
  EXPECT_NE(w.err.find(cut), std::string::npos) << w.err;
  Out m = whatif(r, {"--install", work_ + "/missing.rpm"});
  EXPECT_EQ(m.status, 3) << m.err;
  EXPECT_NE(m.err.find("missing.rpm"), std::string::npos) << m.err;
  EXPECT_EQ(ofsck({"whatif", "--root", r.path()}).status, 2);
}

/// Every "package" of a finding's locations, in order.
std::vector<std::string> packages_of(const json& f) {
  std::vector<std::string> v;
  for (const auto& l : f["locations"])
    v.push_back(l["package"].is_null() ? "" : l.value("package", ""));
  return v;
}

// The packages a what-if installs are in the overlay's package database (in memory only): the
// new .deb is named as owner of its file, that file is not "unowned" (OFS110), and it meets the
// installed kernel package's copy of the module in OFS111. The root's database is untouched.
TEST_F(WhatifTest, InstalledDebOwnsItsFilesInFindings) {
  const std::string pcspkr = "kernel/drivers/input/misc/pcspkr.ko";
  const std::string src = td::module_dir(kK) + "/" + pcspkr;
  const std::string md = "/lib/modules/" + kK;
  Root r(kK, {});
  pkgfix::dpkg_install(r.path(), pkgfix::build_deb(work_, "ofsck-kernel", "6.1",
                                                   {{md + "/" + pcspkr, src, ""}}));
  r.depmod();
  std::string deb =
      pkgfix::build_deb(work_, "ofsck-vendor-b", "2.0", {{md + "/updates/pcspkr.ko", src, ""}});
  std::string before = snapshot(r.path());
  Out w = whatif(r, {"--install", deb});
  ASSERT_TRUE(w.parsed) << w.out << w.err;
  EXPECT_EQ(snapshot(r.path()), before) << "whatif changed the inspected root";
  auto two = in(w.doc, "introduced", "OFS111", "pcspkr");
  ASSERT_EQ(two.size(), 1u) << w.doc.dump(2);
  EXPECT_EQ((*two[0])["message"], "module pcspkr is shipped by 2 packages for " + kK +
                                      ": updates/pcspkr.ko (from ofsck-vendor-b_2.0) wins over " +
                                      pcspkr + " (from ofsck-kernel_6.1)");
  EXPECT_EQ(packages_of(*two[0]),
            (std::vector<std::string>{"ofsck-vendor-b_2.0", "ofsck-kernel_6.1"}));
  EXPECT_EQ((*two[0])["locations"][0]["path"], "/lib/modules/" + kK + "/updates/pcspkr.ko");
  EXPECT_TRUE(in(w.doc, "introduced", "OFS110").empty()) << w.doc.dump(2);
  // The shadowing note (OFS106) names the new package as the winner's owner.
  auto shadow = in(w.doc, "introduced", "OFS106", "pcspkr");
  ASSERT_EQ(shadow.size(), 1u) << w.doc.dump(2);
  EXPECT_EQ(packages_of(*shadow[0])[0], "ofsck-vendor-b_2.0");

  // Once installed, replaced by another vendor's package shipping the same path: the removed
  // package owns nothing any more, so only the new one is named next to the kernel's copy.
  pkgfix::dpkg_install(r.path(), deb);
  r.depmod();
  std::string deb_c =
      pkgfix::build_deb(work_, "ofsck-vendor-c", "3.0", {{md + "/updates/pcspkr.ko", src, ""}});
  before = snapshot(r.path());
  Out u = whatif(r, {"--remove", "ofsck-vendor-b", "--install", deb_c});
  ASSERT_TRUE(u.parsed) << u.out << u.err;
  EXPECT_EQ(snapshot(r.path()), before);
  EXPECT_EQ(u.doc["removed"][0], "ofsck-vendor-b_2.0");
  auto fixed = in(u.doc, "fixed", "OFS111", "pcspkr");
  ASSERT_EQ(fixed.size(), 1u) << u.doc.dump(2);
  EXPECT_EQ((*fixed[0])["message"], (*two[0])["message"]);
  auto now = in(u.doc, "introduced", "OFS111", "pcspkr");
  ASSERT_EQ(now.size(), 1u) << u.doc.dump(2);
  EXPECT_EQ((*now[0])["message"], "module pcspkr is shipped by 2 packages for " + kK +
                                      ": updates/pcspkr.ko (from ofsck-vendor-c_3.0) wins over " +
                                      pcspkr + " (from ofsck-kernel_6.1)");
  EXPECT_TRUE(in(u.doc, "introduced", "OFS110").empty()) << u.doc.dump(2);
}

// The same with RPMs: the installed package comes from the RPM database, the new one from the
// .rpm's header (NAME-VERSION-RELEASE).
TEST_F(WhatifTest, InstalledRpmOwnsItsFilesInFindings) {
  const std::string pcspkr = "kernel/drivers/input/misc/pcspkr.ko";
  const std::string src = td::module_dir(kK) + "/" + pcspkr;
  const std::string md = "/lib/modules/" + kK;
  Root r(kK, {});
  pkgfix::rpm_install(r.path(), pkgfix::build_rpm(work_, "ofsck-kernel", "6.1", "1",
                                                  {{md + "/" + pcspkr, src, ""}}));
  r.depmod();
  std::string rpm = pkgfix::build_rpm(work_, "kmod-ofsck-pcspkr", "2.0", "4",
                                      {{md + "/extra/vendor/pcspkr.ko", src, ""},
                                       {"/etc/depmod.d/zz01-vendor.conf", "",
                                        "override pcspkr * extra/vendor\n"}});
  std::string before = snapshot(r.path());
  Out w = whatif(r, {"--install", rpm});
  ASSERT_TRUE(w.parsed) << w.out << w.err;
  EXPECT_EQ(snapshot(r.path()), before);
  auto two = in(w.doc, "introduced", "OFS111", "pcspkr");
  ASSERT_EQ(two.size(), 1u) << w.doc.dump(2);
  EXPECT_EQ((*two[0])["message"],
            "module pcspkr is shipped by 2 packages for " + kK +
                ": extra/vendor/pcspkr.ko (from kmod-ofsck-pcspkr-2.0-4) wins over " + pcspkr +
                " (from ofsck-kernel-6.1-1)");
  EXPECT_TRUE(in(w.doc, "introduced", "OFS110").empty()) << w.doc.dump(2);
  auto shadow = in(w.doc, "introduced", "OFS106", "pcspkr");
  ASSERT_EQ(shadow.size(), 1u) << w.doc.dump(2);
  EXPECT_EQ(packages_of(*shadow[0]),
            (std::vector<std::string>{"kmod-ofsck-pcspkr-2.0-4", "kmod-ofsck-pcspkr-2.0-4"}))
      << shadow[0]->dump(2);
}

}  // namespace
}  // namespace ofsck::scn
