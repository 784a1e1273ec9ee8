// report/state_file: the lines NHC's check_ofsck reads with `read -r key value`.
#include "report/state_file.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "check/rules.hpp"

namespace ofsck::report {
namespace {

/// The file as bash reads it: key, then the rest of the line.
std::map<std::string, std::string> lines_of(const std::string& text) {
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t sp = line.find(' ');
    EXPECT_NE(sp, std::string::npos) << line;
    EXPECT_EQ(kv.count(line.substr(0, sp)), 0u) << "twice: " << line;
    kv[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return kv;
}

check::CheckResult two_modules() {
  check::CheckResult r;
  r.inputs.root = "/";
  r.inputs.kernel_release = "6.1.0-47-amd64";
  r.modules.resize(2);
  r.modules[0].name = "dummy";
  r.modules[1].name = "veth";
  return r;
}

TEST(StateFile, PassingCheck) {
  auto kv = lines_of(render_state(two_modules(), 1765119600));
  EXPECT_EQ(kv["ofsck_state"], "1");
  EXPECT_EQ(kv["kernel"], "6.1.0-47-amd64");
  EXPECT_EQ(kv["root"], "/");
  EXPECT_EQ(kv["written"], "1765119600");
  EXPECT_EQ(kv["verdict"], "ok");
  EXPECT_EQ(kv["modules"], "2");
  EXPECT_EQ(kv["failing"], "0");
  EXPECT_EQ(kv["errors"], "0");
  EXPECT_EQ(kv["first"], "");
  EXPECT_EQ(kv["reason"], "");
}

TEST(StateFile, FirstModuleThatFailsOnItsOwnAndItsError) {
  check::CheckResult r = two_modules();
  r.modules[0].loads = false;  // fails only through veth
  r.modules[0].failed_dependency = "veth";
  r.modules[1].loads = false;
  r.findings.push_back(check::make_finding(check::kCrcMismatch, "veth", "veth: bad CRC"));
  r.findings.push_back(check::make_finding(check::kCrcMismatch, "other", "other"));
  auto kv = lines_of(render_state(r, 1));
  EXPECT_EQ(kv["verdict"], "FAIL");
  EXPECT_EQ(kv["failing"], "2");
  EXPECT_EQ(kv["errors"], "2");
  EXPECT_EQ(kv["first"], "veth");
  EXPECT_EQ(kv["rule"], std::string(check::kCrcMismatch));
  EXPECT_EQ(kv["reason"], "veth: bad CRC");
}

TEST(StateFile, DependencyOnlyAndNoModuleFailing) {
  check::CheckResult r = two_modules();
  r.modules[0].loads = false;
  r.modules[0].failed_dependency = "gone";
  r.findings.push_back(check::make_finding(check::kCrcMismatch, "zz", "zz"));
  EXPECT_EQ(lines_of(render_state(r, 1))["reason"], "needs gone, which does not load");
  r.modules[0].loads = true;  // an error about no module (a config file)
  auto kv = lines_of(render_state(r, 1));
  EXPECT_EQ(kv["first"], "zz");
  EXPECT_EQ(kv["failing"], "0");
}

TEST(StateFile, OneLineEscapedAndCut) {
  check::CheckResult r = two_modules();
  r.inputs.kernel_release = "k\nverdict ok";  // hostile names stay on their line
  r.modules[0].loads = false;
  r.modules[0].name = "bad\x1bname";
  std::string message = "line one\nline two\t" + std::string(300, 'x');
  r.findings.push_back(check::make_finding(check::kCrcMismatch, "bad\x1bname", message));
  const std::string text = render_state(r, 1);
  auto kv = lines_of(text);
  EXPECT_EQ(kv["kernel"], "k\\x0averdict ok");
  EXPECT_EQ(kv["verdict"], "FAIL");
  EXPECT_EQ(kv["first"], "bad\\x1bname");
  EXPECT_EQ(kv["reason"].substr(0, 21), "line one\\x0aline two\t");
  EXPECT_TRUE(kv["reason"].ends_with("x..."));
  EXPECT_LE(kv["reason"].size(), kStateReasonMax + 3 + 3);  // one \x0a: 3 more bytes
  for (unsigned char c : text) EXPECT_TRUE(c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f));
}

TEST(StateFile, FirstWarning) {
  check::CheckResult r = two_modules();
  auto w = check::make_finding(check::kCrcMismatch, "veth", "a warning");
  w.severity = check::Severity::kWarning;
  r.findings.push_back(w);
  auto kv = lines_of(render_state(r, 1));
  EXPECT_EQ(kv["verdict"], "ok");
  EXPECT_EQ(kv["warnings"], "1");
  EXPECT_EQ(kv["warning_subject"], "veth");
  EXPECT_EQ(kv["warning_reason"], "a warning");
}

}  // namespace
}  // namespace ofsck::report
