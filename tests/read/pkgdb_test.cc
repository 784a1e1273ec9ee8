// Package databases made by the real tools: dpkg installs .debs built with dpkg-deb, rpm
// installs .rpms built with rpmbuild, and load_package_db() must answer as `dpkg -S` and
// `rpm -qf` would.
#include "read/pkgdb/pkgdb.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pkg_fixture.hpp"
#include "testdata.hpp"

using namespace ofsck;
namespace fs = std::filesystem;
namespace td = ofsck::testdata;
namespace pf = ofsck::pkgfix;

namespace {

const std::string kK = td::kNew61;

std::string pcspkr() { return td::module_dir(kK) + "/kernel/drivers/input/misc/pcspkr.ko"; }

std::string label(const read::PackageDb& db, const std::string& path) {
  const auto* o = db.owners(path);
  if (!o) return "";
  std::string s;
  for (uint32_t i : *o) s += (s.empty() ? "" : ",") + db.packages[i].label();
  return s;
}

class PkgDb : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pf::have_tools()) GTEST_SKIP() << "dpkg-deb/rpmbuild/rpm not installed";
    work_ = td::make_temp_dir("pkgdb");
    root_ = work_ + "/root";
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!work_.empty()) fs::remove_all(work_, ec);
  }
  std::string work_, root_;
};

TEST(UsrMerge, Twins) {
  EXPECT_EQ(read::usrmerge_twin("/lib/modules/6.1/x.ko"), "/usr/lib/modules/6.1/x.ko");
  EXPECT_EQ(read::usrmerge_twin("/usr/lib/modules/6.1/x.ko"), "/lib/modules/6.1/x.ko");
  EXPECT_EQ(read::usrmerge_twin("/sbin/depmod"), "/usr/sbin/depmod");
  EXPECT_EQ(read::usrmerge_twin("/usr/lib64/x"), "/lib64/x");
  EXPECT_EQ(read::usrmerge_twin("/etc/modprobe.d/x.conf"), "");
  EXPECT_EQ(read::usrmerge_twin("/library/x"), "");
  EXPECT_EQ(read::usrmerge_twin("/usr/share/x"), "");
}

TEST_F(PkgDb, NoDatabaseIsEmptyNotAnError) {
  auto db = read::load_package_db(root_);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_TRUE(db->empty());
  EXPECT_TRUE(db->owners_by_path.empty());
}

TEST_F(PkgDb, DpkgInstalledPackagesOwnTheirFiles) {
  OFSCK_REQUIRE_DATA(pcspkr());
  const std::string ko = "/lib/modules/" + kK + "/updates/pcspkr.ko";
  auto a = pf::build_deb(work_, "ofsck-vendor-a", "1.0-1",
                         {{ko, pcspkr(), ""},
                          {"/etc/modprobe.d/ofsck-a.conf", "", "options pcspkr x=1\n"}});
  // Multi-Arch: same makes dpkg name the list info/<pkg>:amd64.list.
  auto b = pf::build_deb(work_, "ofsck-vendor-b", "2:3.4-5",
                         {{"/usr/lib/modules/" + kK + "/extra/pcspkr.ko", pcspkr(), ""}},
                         /*multiarch_same=*/true);
  pf::dpkg_install(root_, a);
  pf::dpkg_install(root_, b);
  ASSERT_TRUE(fs::exists(root_ + "/var/lib/dpkg/info/ofsck-vendor-b:amd64.list"));
  auto db = read::load_package_db(root_);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_TRUE(db->have_dpkg);
  EXPECT_FALSE(db->have_rpm);
  EXPECT_TRUE(db->problems.empty()) << db->problems.front().message;
  EXPECT_EQ(label(*db, ko), "ofsck-vendor-a_1.0-1");
  EXPECT_EQ(label(*db, "/etc/modprobe.d/ofsck-a.conf"), "ofsck-vendor-a_1.0-1");
  // usrmerge, both directions.
  EXPECT_EQ(label(*db, "/usr" + ko), "ofsck-vendor-a_1.0-1");
  EXPECT_EQ(label(*db, "/lib/modules/" + kK + "/extra/pcspkr.ko"), "ofsck-vendor-b_2:3.4-5");
  EXPECT_EQ(label(*db, "/lib/modules/" + kK + "/extra/other.ko"), "");
  const auto* o = db->owners(ko);
  ASSERT_NE(o, nullptr);
  const auto& pkg = db->packages[o->front()];
  EXPECT_EQ(pkg.format, model::Package::Format::kDpkg);
  EXPECT_EQ(pkg.arch, "amd64");
  EXPECT_EQ(pkg.state, "installed");

  // The filter keeps only what the caller asks for.
  auto only_etc =
      read::load_package_db(root_, [](std::string_view p) { return p.rfind("/etc/", 0) == 0; });
  ASSERT_TRUE(only_etc);
  EXPECT_EQ(label(*only_etc, ko), "");
  EXPECT_EQ(label(*only_etc, "/etc/modprobe.d/ofsck-a.conf"), "ofsck-vendor-a_1.0-1");

  // A removed package owns nothing any more (dpkg -r keeps its stanza as not-installed).
  pf::must_run("dpkg --root=" + pf::q(root_) + " --force-all -P ofsck-vendor-b");
  auto after = read::load_package_db(root_);
  ASSERT_TRUE(after);
  EXPECT_EQ(label(*after, "/lib/modules/" + kK + "/extra/pcspkr.ko"), "");
  EXPECT_EQ(label(*after, ko), "ofsck-vendor-a_1.0-1");
}

TEST_F(PkgDb, DpkgMissingListIsAProblemNotAFailure) {
  fs::create_directories(root_ + "/var/lib/dpkg/info");
  std::ofstream(root_ + "/var/lib/dpkg/status")
      << "Package: ghost\r\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n"
         "Description: x\n continuation line\n\n";
  auto db = read::load_package_db(root_);
  ASSERT_TRUE(db);
  EXPECT_TRUE(db->have_dpkg);
  ASSERT_EQ(db->problems.size(), 1u);
  EXPECT_NE(db->problems[0].message.find("ghost"), std::string::npos);
  EXPECT_EQ(db->problems[0].where.line, 1u);
  EXPECT_EQ(db->problems[0].where.text, "Package: ghost\r");  // as read, for report/
}

TEST_F(PkgDb, RpmInstalledPackageOwnsModuleAndDepmodConf) {
  OFSCK_REQUIRE_DATA(pcspkr());
  const std::string ko = "/lib/modules/" + kK + "/extra/vendor/pcspkr.ko";
  const std::string conf = "/etc/depmod.d/zz01-vendor-pcspkr.conf";
  auto rpm = pf::build_rpm(work_, "ofsck-vendor-pcspkr", "1.2", "3",
                           {{ko, pcspkr(), ""}, {conf, "", "override pcspkr * extra/vendor\n"}});
  pf::rpm_install(root_, rpm);
  ASSERT_TRUE(fs::exists(root_ + ko));
  auto db = read::load_package_db(root_);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_TRUE(db->have_rpm);
  EXPECT_FALSE(db->have_dpkg);
  EXPECT_EQ(db->rpm_dbpath, "/var/lib/rpm");
  EXPECT_EQ(label(*db, ko), "ofsck-vendor-pcspkr-1.2-3");
  EXPECT_EQ(label(*db, conf), "ofsck-vendor-pcspkr-1.2-3");
  EXPECT_EQ(label(*db, "/usr" + ko), "ofsck-vendor-pcspkr-1.2-3");
  const auto& pkg = db->packages[db->owners(ko)->front()];
  EXPECT_EQ(pkg.format, model::Package::Format::kRpm);
  EXPECT_EQ(pkg.arch, "x86_64");
  EXPECT_EQ(pkg.version, "1.2-3");
  // Loading twice (librpm's global state) gives the same answer; the root is not changed.
  auto again = read::load_package_db(root_);
  ASSERT_TRUE(again);
  EXPECT_EQ(label(*again, ko), "ofsck-vendor-pcspkr-1.2-3");
}

TEST_F(PkgDb, RpmInSysimageAndDpkgTogether) {
  OFSCK_REQUIRE_DATA(pcspkr());
  const std::string rko = "/lib/modules/" + kK + "/extra/vendor/pcspkr.ko";
  const std::string dko = "/lib/modules/" + kK + "/updates/pcspkr.ko";
  pf::rpm_install(root_, pf::build_rpm(work_, "kmod-vendor", "5", "1.el9", {{rko, pcspkr(), ""}}),
                  "/usr/lib/sysimage/rpm");
  pf::dpkg_install(root_, pf::build_deb(work_, "vendor-deb", "1", {{dko, pcspkr(), ""}}));
  auto db = read::load_package_db(root_);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_TRUE(db->have_rpm);
  EXPECT_TRUE(db->have_dpkg);
  EXPECT_EQ(db->rpm_dbpath, "/usr/lib/sysimage/rpm");
  EXPECT_EQ(label(*db, rko), "kmod-vendor-5-1.el9");
  EXPECT_EQ(label(*db, dko), "vendor-deb_1");
}

TEST_F(PkgDb, CorruptRpmDatabaseIsAnError) {
  fs::create_directories(root_ + "/var/lib/rpm");
  std::ofstream(root_ + "/var/lib/rpm/rpmdb.sqlite") << std::string(4096, 'x');
  auto db = read::load_package_db(root_);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("RPM database"), std::string::npos) << db.error().message;
  EXPECT_EQ(db.error().where.path, root_ + "/var/lib/rpm");
}

}  // namespace
