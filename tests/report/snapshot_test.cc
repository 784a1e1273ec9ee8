// The snapshot document and its summary (report/snapshot.hpp): the stack digest is equal for
// equal stacks whatever the node's name, time or file order, and changes with an option.
#include "report/snapshot.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "check/check_tree.hpp"
#include "scenario/scenario_util.hpp"

namespace ofsck {
namespace {

using scn::Root;
namespace td = testdata;

check::Snapshot snap(const Root& r, const std::string& node = {}) {
  check::NodeSpec spec;
  spec.root = r.path();
  spec.kver = r.kver();
  spec.cmdline = "";
  auto node_ = check::prepare(spec, check::ReadSettings{});
  EXPECT_TRUE(node_) << node_.error().message;
  check::SnapshotInputs in;
  in.node = node;
  in.ofsck = "test";
  return check::build_snapshot(*node_, check::evaluate(*node_, {}), in);
}

/// One root: modules copied in the given order, one modprobe.d file per line of `conf`.
std::unique_ptr<Root> make_root(const std::vector<std::string>& mods,
                                const std::vector<std::string>& conf) {
  auto r = std::make_unique<Root>(td::kOld61, mods);
  for (size_t i = 0; i < conf.size(); ++i)
    r->write("etc/modprobe.d/" + std::to_string(i) + ".conf", conf[i] + "\n");
  r->depmod();
  return r;
}

TEST(SnapshotReport, StackDigestIgnoresNameTimeAndOrder) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  const std::string dummy = "kernel/drivers/net/dummy.ko", ifb = "kernel/drivers/net/ifb.ko";
  auto a = make_root({dummy, ifb}, {"options dummy numdummies=2"});
  auto b = make_root({ifb, dummy}, {"options dummy numdummies=2"});  // other name, other order
  check::Snapshot sa = snap(*a, "cn001"), sb = snap(*b, "cn002");
  EXPECT_NE(sa.node, sb.node);
  EXPECT_EQ(report::stack_digest(sa), report::stack_digest(sb));
  sb.taken = "2000-01-01T00:00:00Z";
  sb.live = true;
  sb.loaded.push_back({"dummy", {{"numdummies", "1"}}});
  EXPECT_EQ(report::stack_digest(sa), report::stack_digest(sb));
  auto c = make_root({dummy, ifb}, {"options dummy numdummies=3"});
  EXPECT_NE(report::stack_digest(sa), report::stack_digest(snap(*c)));
  auto d = make_root({dummy}, {"options dummy numdummies=2"});  // one module fewer
  EXPECT_NE(report::stack_digest(sa), report::stack_digest(snap(*d)));
}

TEST(SnapshotReport, DocumentAndSummary) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  auto a = make_root({"kernel/drivers/net/dummy.ko"}, {"options dummy numdummies=2"});
  check::Snapshot s = snap(*a, "cn\n001");
  auto j = nlohmann::json::parse(report::render_snapshot_json(s));
  EXPECT_EQ(j["ofsck_snapshot"], 1);
  EXPECT_EQ(j["node"], "cn\\x0a001");  // escaped as every string from the node
  EXPECT_EQ(j["kernel"], td::kOld61);
  EXPECT_EQ(j["stack"], report::stack_digest(s));
  EXPECT_TRUE(std::regex_match(j["taken"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_FALSE(j.contains("loaded"));  // not live
  ASSERT_EQ(j["modules"].size(), 1u);  // dummy: no package database
  EXPECT_EQ(j["modules"][0]["why"], "no-package");
  EXPECT_TRUE(j["modules"][0]["package"].is_null());
  EXPECT_EQ(j["options"][0]["source"], "/etc/modprobe.d/0.conf:1");
  std::string line = report::snapshot_summary_line(s);
  EXPECT_EQ(line, "ok kernel=" + std::string(td::kOld61) +
                      " stack=" + report::stack_digest(s).substr(0, 12) + " failing=0 errors=0");
  auto sj = nlohmann::json::parse(report::render_snapshot_summary_json(s));
  EXPECT_EQ(sj["verdict"], "ok");
  EXPECT_EQ(sj["stack"], report::stack_digest(s).substr(0, 12));
  EXPECT_TRUE(sj["first"].is_null());
  s.summary = {false, 2, 1, 3, 0, "hfi1:OFS203"};
  EXPECT_TRUE(report::snapshot_summary_line(s).starts_with("FAIL kernel="));
  EXPECT_TRUE(report::snapshot_summary_line(s).ends_with(" failing=1 errors=3 first=hfi1:OFS203"));
}

}  // namespace
}  // namespace ofsck
