// `ofsck fleet` end to end on the hand-written snapshots of tests/fixtures/fleet (format 1):
// text and JSON goldens, the same answer from a directory, a concatenated stream and clush
// output on stdin, exit statuses, and hostile strings kept off the terminal.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "testdata.hpp"

namespace ofsck {
namespace {

const std::string kFixtures = "tests/fixtures/fleet";

/// `SHELL_INPUT | ofsck fleet ARGS` run from the source directory (so that file names in the
/// output are relative); stdout, with stderr appended when `with_stderr`.
std::string fleet(const std::string& args, int* rc, bool with_stderr = false,
                  const std::string& input = "true") {
  return testdata::run("cd '" + testdata::source_dir() + "' && " + input + " | " +
                           testdata::ofsck_bin() + " fleet " + args +
                           (with_stderr ? " 2>&1" : " 2>/dev/null"),
                       rc);
}

/// tests/cli/golden/NAME against `out` (OFSCK_UPDATE_GOLDEN=1 rewrites it).
void golden(const std::string& out, const std::string& name) {
  const std::string path = testdata::source_dir() + "/tests/cli/golden/" + name;
  if (getenv("OFSCK_UPDATE_GOLDEN")) std::ofstream(path) << out;
  else EXPECT_EQ(out, testdata::slurp(path)) << name << ": update with OFSCK_UPDATE_GOLDEN=1";
}

TEST(FleetCli, TextAndJsonGoldens) {
  int rc = -1;
  golden(fleet(kFixtures, &rc), "fleet.txt");
  EXPECT_EQ(rc, 1);  // drift, and cn005 has an error
  std::string json = fleet("--format json " + kFixtures, &rc);
  EXPECT_EQ(rc, 1);
  golden(json, "fleet.json");
  nlohmann::json j = nlohmann::json::parse(json);
  EXPECT_EQ(j["nodes"], 5);
  EXPECT_EQ(j["groups"][0]["nodes"], "cn[001-003]");
  EXPECT_EQ(j["groups"][0]["count"], 3);
}

TEST(FleetCli, StreamsGiveTheSameAnswer) {
  int rc = -1;
  const std::string want = fleet(kFixtures, &rc);
  EXPECT_EQ(fleet("-", &rc, false, "cat " + kFixtures + "/*.json"), want);
  EXPECT_EQ(rc, 1);
  // clush without -N: "NODE: " before every line.
  std::string clush =
      "for f in " + kFixtures + "/*.json; do n=$(basename $f .json); sed \"s/^/$n: /\" $f; done";
  EXPECT_EQ(fleet("-", &rc, false, clush), want);
  EXPECT_EQ(rc, 1);
}

TEST(FleetCli, ExitStatuses) {
  int rc = -1;
  std::string out = fleet(kFixtures + "/cn00[1-3].json", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "fleet: 3 nodes in 1 group, 0 drift items, 0 nodes with errors\n"
                 "group cn[001-003] (3 nodes): ok kernel=6.1.0-47-amd64 kmod=30 stack=aaaaaaaaaaaa "
                 "failing=0 errors=0\n");
  fleet("", &rc);
  EXPECT_EQ(rc, 2);
  fleet("--format yaml " + kFixtures, &rc);
  EXPECT_EQ(rc, 2);
  // An unreadable input: reported on stderr, the others still shown, exit 3.
  out = fleet(kFixtures + "/cn001.json /nonexistent.json -", &rc, true,
              "echo '{\"ofsck_snapshot\": 2}'");
  EXPECT_EQ(rc, 3);
  EXPECT_NE(out.find("ofsck: error: /nonexistent.json: cannot open"), std::string::npos) << out;
  EXPECT_NE(out.find("ofsck: error: -: document 1 at offset 0x0: snapshot format 2 is not "
                     "supported"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("fleet: 1 node in 1 group"), std::string::npos) << out;
  out = fleet("-", &rc, true);
  EXPECT_EQ(rc, 3);
  EXPECT_EQ(out, "ofsck: error: -: no snapshot document\n");
}

TEST(FleetCli, HostileStringsAreEscaped) {
  std::string doc = testdata::slurp(testdata::source_dir() + "/" + kFixtures + "/cn004.json");
  doc.replace(doc.find("\"cn004\""), 7, "\"cn\\u001b[2J004\"");
  doc.replace(doc.find("lustre-tune.conf"), 16, "x\\u202e.conf\\\\q");
  const std::string dir = testdata::make_temp_dir("fleet-hostile");
  std::ofstream(dir + "/a.json") << doc;
  int rc = -1;
  std::string out = fleet("'" + dir + "' " + kFixtures + "/cn001.json", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_NE(out.find("cn\\x1b[2J004 (1)"), std::string::npos) << out;
  EXPECT_NE(out.find("from /etc/modprobe.d/x\\xe2\\x80\\xae.conf\\\\q"), std::string::npos) << out;
  out = fleet("--format json '" + dir + "'", &rc);
  EXPECT_NE(out.find("\"nodes\": \"cn\\\\x1b[2J004\""), std::string::npos) << out;
  testdata::run("rm -rf '" + dir + "'");
}

}  // namespace
}  // namespace ofsck
