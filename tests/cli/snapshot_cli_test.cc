// `ofsck snapshot` on the command line: --summary goldens on a small fixture root (real Debian
// 6.1.0-47 modules; one root that passes, one with a 6.1.0-56 ib_core in updates/ that fails),
// -o FILE and -o -, exit statuses, and the Ansible fact packaging/ansible/ofsck.fact run as
// Ansible runs it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "scenario/scenario_util.hpp"

namespace ofsck {
namespace {

using scn::Root;
using scn::shq;
namespace td = testdata;
using td::expect_golden;

/// The fixture: dummy and pcspkr from the real tree, one options line; `failing` adds the
/// 6.1.0-56 ib_core in updates/ (its CRCs do not match 6.1.0-47: it will not load).
std::unique_ptr<Root> fixture(bool failing) {
  auto r = std::make_unique<Root>(td::kOld61,
                                  std::vector<std::string>{"kernel/drivers/net/dummy.ko",
                                                           "kernel/drivers/input/misc/pcspkr.ko"});
  r->write("etc/modprobe.d/dummy.conf", "options dummy numdummies=2\n");
  if (failing)
    r->add(td::module_dir(td::kNew61) + "/kernel/drivers/infiniband/core/ib_core.ko",
           "updates/ib_core.ko");
  r->depmod();
  return r;
}

std::string snapshot(const Root& r, const std::string& args, int* rc) {
  return td::run(shq(td::ofsck_bin()) + " snapshot -q --no-cache --root " + shq(r.path()) +
                     " --kernel " + r.kver() + " " + args + " 2>/dev/null",
                 rc);
}

TEST(SnapshotCli, SummaryGoldens) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  OFSCK_REQUIRE_DATA(td::module_dir(td::kNew61));
  int rc = -1;
  auto ok = fixture(false);
  expect_golden(snapshot(*ok, "--summary", &rc), "snapshot_summary_ok.txt");
  EXPECT_EQ(rc, 0);
  expect_golden(snapshot(*ok, "--summary --format json", &rc), "snapshot_summary_ok.json");
  EXPECT_EQ(rc, 0);
  auto bad = fixture(true);
  expect_golden(snapshot(*bad, "--summary", &rc), "snapshot_summary_fail.txt");
  EXPECT_EQ(rc, 1);
  // The same node under another directory name: the same line (clush -b folds them).
  auto again = fixture(false);
  EXPECT_EQ(snapshot(*again, "--summary", &rc), snapshot(*ok, "--summary", &rc));
}

TEST(SnapshotCli, DocumentToFileOrStdout) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  auto r = fixture(false);
  int rc = -1;
  std::string dir = td::make_temp_dir("snapout");
  EXPECT_EQ(snapshot(*r, "--node cn001 -o " + shq(dir + "/cn001.json"), &rc), "");
  EXPECT_EQ(rc, 0);
  auto doc = nlohmann::json::parse(td::slurp(dir + "/cn001.json"));
  EXPECT_EQ(doc["ofsck_snapshot"], 1);
  EXPECT_EQ(doc["node"], "cn001");
  EXPECT_EQ(doc["live"], false);
  EXPECT_EQ(doc["options"][0]["source"], "/etc/modprobe.d/dummy.conf:1");
  auto out = nlohmann::json::parse(snapshot(*r, "-o -", &rc));
  EXPECT_EQ(out["stack"], doc["stack"]);
  EXPECT_EQ(out["node"], std::filesystem::path(r->path()).filename().string());
  // --proc/--sys stand in for /proc and /sys: the root is taken as the running system.
  r->write("live/modules", "dummy 16384 0 - Live 0x0\n");
  r->write("live/sys/module/dummy/parameters/numdummies", "1\n");
  auto live = nlohmann::json::parse(snapshot(
      *r, "--proc " + shq(r->path() + "/live") + " --sys " + shq(r->path() + "/live/sys"), &rc));
  EXPECT_EQ(live["live"], true);
  EXPECT_EQ(live["loaded"][0]["params"]["numdummies"], "1");
  EXPECT_EQ(live["running_drift"][0]["configured"], "2");
  EXPECT_EQ(live["stack"], doc["stack"]);  // what runs now is not the stack
  snapshot(*r, "-o " + shq(dir + "/no/such/dir/x.json"), &rc);
  EXPECT_EQ(rc, 3);
  std::filesystem::remove_all(dir);
}

TEST(SnapshotCli, MissingRootExits3) {
  int rc = -1;
  td::run(shq(td::ofsck_bin()) + " snapshot -q --root /nonexistent-root --summary 2>/dev/null",
          &rc);
  EXPECT_EQ(rc, 3);
}

/// The fact as Ansible runs it: no arguments, stdout must be one JSON object, exit 0.
nlohmann::json fact(const std::string& env, int* rc) {
  std::string out =
      td::run(env + " " + shq(td::source_dir() + "/packaging/ansible/ofsck.fact"), rc);
  return nlohmann::json::parse(out);  // throws (test fails) when it is not JSON
}

TEST(AnsibleFact, AlwaysExitsZeroWithJson) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  OFSCK_REQUIRE_DATA(td::module_dir(td::kNew61));
  int rc = -1;
  auto bad = fixture(true);
  const std::string bin = "OFSCK=" + shq(td::ofsck_bin());
  auto f = fact(bin + " OFSCK_FACT_ARGS=" +
                    shq("--no-cache --root " + bad->path() + " --kernel " + bad->kver()),
                &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(f["verdict"], "FAIL");  // the check fails; the fact does not
  EXPECT_EQ(f["kernel"], td::kOld61);
  EXPECT_GT(f["errors"].get<int>(), 0);
  f = fact("OFSCK=/nonexistent/ofsck", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(f["error"].get<std::string>().find("not installed"), std::string::npos);
  f = fact(bin + " OFSCK_FACT_ARGS='--root /nonexistent\"root'", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(f["error"].get<std::string>().find("exited 3"), std::string::npos);
  f = fact(bin + " OFSCK_FACT_ARGS=--no-such-option", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(f["error"].get<std::string>().find("exited 2"), std::string::npos);
}

}  // namespace
}  // namespace ofsck
