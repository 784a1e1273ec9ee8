// --format prom on the command line (report/prom.hpp): `check` on a root taken as the running
// system (--proc/--sys stand in for /proc and /sys) counts the parameters loaded modules run
// with that differ from the configured ones; `fleet` writes the fleet's metrics, golden on
// tests/fixtures/fleet, atomically with -o. promtool's lint runs in
// tests/integrations/prom_test.sh.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "golden.hpp"
#include "scenario/scenario_util.hpp"

namespace ofsck {
namespace {

using scn::Root;
using scn::shq;
namespace td = testdata;
using td::has_line;

/// Real 6.1.0-47 dummy.ko, `options dummy numdummies=2`, and a running system where dummy is
/// loaded with numdummies `running`.
std::unique_ptr<Root> live_root(const std::string& running) {
  auto r =
      std::make_unique<Root>(td::kOld61, std::vector<std::string>{"kernel/drivers/net/dummy.ko"});
  r->write("etc/modprobe.d/dummy.conf", "options dummy numdummies=2\n");
  r->write("live/modules", "dummy 16384 0 - Live 0x0\n");
  r->write("live/sys/module/dummy/parameters/numdummies", running + "\n");
  r->depmod();
  return r;
}

std::string check_prom(const Root& r, const std::string& args, int* rc) {
  return td::run(shq(td::ofsck_bin()) + " check -q --no-cache --format prom --root " +
                     shq(r.path()) + " --kernel " + r.kver() + " " + args + " 2>&1",
                 rc);
}

TEST(PromCli, CheckCountsRunningParamDrift) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  int rc = -1;
  auto r = live_root("1");
  const std::string live =
      "--proc " + shq(r->path() + "/live") + " --sys " + shq(r->path() + "/live/sys");
  std::string out = check_prom(*r, live, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has_line(out, "# TYPE ofsck_running_param_drift gauge")) << out;
  EXPECT_TRUE(has_line(out, "ofsck_running_param_drift 1")) << out;
  // Not the running system: no drift series at all (not a 0 that would claim to know).
  out = check_prom(*r, "", &rc);
  EXPECT_EQ(out.find("ofsck_running_param_drift"), std::string::npos) << out;
  // Running as configured ("0x2" as the kernel prints it is "2").
  auto same = live_root("2");
  out = check_prom(
      *same, "--proc " + shq(same->path() + "/live") + " --sys " + shq(same->path() + "/live/sys"),
      &rc);
  EXPECT_TRUE(has_line(out, "ofsck_running_param_drift 0")) << out;
  // /proc/modules unreadable: a note, no series, the check's own metrics still written.
  out = check_prom(*r, "--proc " + shq(r->path() + "/nowhere"), &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("ofsck: note: "), std::string::npos) << out;
  EXPECT_FALSE(has_line(out, "# TYPE ofsck_running_param_drift gauge")) << out;
  EXPECT_TRUE(has_line(out, "ofsck_check_ok 1")) << out;
}

/// `ofsck fleet ARGS` from the source directory; the _seconds values masked (they vary).
/// The timings of a .prom text masked (they change every run).
std::string mask_seconds(const std::string& prom) {
  return std::regex_replace(prom, std::regex("(_seconds) [0-9.]+\n"), "$1 X\n");
}

std::string fleet_prom(const std::string& args, int* rc) {
  std::string out = td::run("cd " + shq(td::source_dir()) + " && " + shq(td::ofsck_bin()) +
                                " fleet --format prom " + args + " 2>/dev/null",
                            rc);
  return mask_seconds(out);
}

TEST(PromCli, FleetGoldenAndAtomicFile) {
  int rc = -1;
  std::string out = fleet_prom("tests/fixtures/fleet", &rc);
  EXPECT_EQ(rc, 1);  // drift, and cn005 has an error: as the other formats
  td::expect_golden(out, "fleet.prom");
  const std::string dir = td::make_temp_dir("fleet-prom");
  EXPECT_EQ(fleet_prom("tests/fixtures/fleet -o " + shq(dir + "/ofsck_fleet.prom"), &rc), "");
  EXPECT_EQ(rc, 1);
  std::string written = td::slurp(dir + "/ofsck_fleet.prom");
  EXPECT_EQ(mask_seconds(written), out);
  // Nothing readable: the file is still rewritten (a stale one would hide it), exit 3.
  EXPECT_EQ(fleet_prom("/nonexistent.json -o " + shq(dir + "/ofsck_fleet.prom"), &rc), "");
  EXPECT_EQ(rc, 3);
  written = td::slurp(dir + "/ofsck_fleet.prom");
  EXPECT_TRUE(has_line(written, "ofsck_fleet_ok 0")) << written;
  EXPECT_TRUE(has_line(written, "ofsck_fleet_nodes 0")) << written;
  EXPECT_TRUE(has_line(written, "ofsck_fleet_unreadable_inputs 1")) << written;
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += !e.is_directory();
  EXPECT_EQ(files, 1u);  // no temporary left beside it
  // Text and JSON to -o too; an unwritable -o names the file (exit 3).
  td::run("cd " + shq(td::source_dir()) + " && " + shq(td::ofsck_bin()) +
              " fleet --format json -o " + shq(dir + "/f.json") + " tests/fixtures/fleet",
          &rc);
  EXPECT_NE(td::slurp(dir + "/f.json").find("\"groups\""), std::string::npos);
  out = td::run("cd " + shq(td::source_dir()) + " && " + shq(td::ofsck_bin()) +
                    " fleet --format prom -o " + shq(dir + "/no/dir/x.prom") +
                    " tests/fixtures/fleet 2>&1",
                &rc);
  EXPECT_EQ(rc, 3);
  EXPECT_NE(out.find("no/dir/x.prom"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ofsck
