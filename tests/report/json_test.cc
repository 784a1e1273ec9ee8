// report/json.cc: the one rule for paths in findings and the structured fields
// (docs/json-schema.md, "Paths in findings" and "Structured fields").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/json_dump.hpp"
#include "report/render.hpp"

namespace ofsck::report {
namespace {

TEST(PathRule, UnderTheRootAsTheNodeSeesIt) {
  const PathRule rule("/srv/img/", {"/srv/Module.symvers", "vendor/x.ko"});
  bool in = false;
  EXPECT_EQ(rule.node_path("/srv/img/lib/modules/K/updates/x.ko", &in),
            "/lib/modules/K/updates/x.ko");
  EXPECT_TRUE(in);
  EXPECT_EQ(rule.node_path("/srv/img", &in), "/");
  EXPECT_TRUE(in);
  // Configuration files are named on the node already.
  EXPECT_EQ(rule.node_path("/etc/modprobe.d/x.conf", &in), "/etc/modprobe.d/x.conf");
  EXPECT_TRUE(in);
  // Host inputs outside the root stay as given.
  EXPECT_EQ(rule.node_path("/srv/Module.symvers", &in), "/srv/Module.symvers");
  EXPECT_FALSE(in);
  EXPECT_EQ(rule.node_path("vendor/x.ko", &in), "vendor/x.ko");
  EXPECT_FALSE(in);
  EXPECT_EQ(rule.node_path("/srv/image.img!lib/modules/K/x.ko", &in),
            "/srv/image.img!lib/modules/K/x.ko");
  EXPECT_FALSE(in);
  EXPECT_EQ(rule.node_path("(kernel command line)", &in), "(kernel command line)");
  EXPECT_FALSE(in);
  // A sibling whose name starts like the root is not under it.
  EXPECT_EQ(rule.node_path("/srv/img2/x.ko", &in), "/srv/img2/x.ko");
  // Root "/" changes nothing.
  EXPECT_EQ(PathRule("/").node_path("/lib/modules/K/x.ko", &in), "/lib/modules/K/x.ko");
  EXPECT_TRUE(in);
}

check::Finding crc_finding(const std::string& root) {
  check::Finding f;
  f.rule = "OFS203";
  f.subject = "c";
  f.where.push_back(SourceRef{root + "/lib/modules/K/extra/c.ko"});
  f.set("module", "c");
  f.set("symbol", "s");
  f.set("expected_crc", "0x00000001");
  f.set("found_crc", "0x00000002");
  f.set("provider", "p");
  f.set("provider_file", root + "/lib/modules/K/updates/p.ko");
  return f;
}

TEST(Json, FindingFieldsAndPaths) {
  check::CheckResult r;
  r.inputs.root = "/srv/img";
  r.findings.push_back(crc_finding("/srv/img"));
  check::Finding d;
  d.rule = "OFS208";
  d.set("dependency", "p");
  d.set("dependents", "a");
  d.set("dependents", "b");
  r.findings.push_back(d);
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["schema"], kJsonSchemaVersion);
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["locations"][0]["path"], "/lib/modules/K/extra/c.ko");
  EXPECT_EQ(f["locations"][0]["in_root"], true);
  EXPECT_EQ(f["fields"]["symbol"], "s");
  EXPECT_EQ(f["fields"]["expected_crc"], "0x00000001");
  EXPECT_EQ(f["fields"]["found_crc"], "0x00000002");
  EXPECT_EQ(f["fields"]["provider"], "p");
  EXPECT_EQ(f["fields"]["provider_file"], "/lib/modules/K/updates/p.ko");
  const auto& g = j["findings"][1];
  EXPECT_EQ(g["fields"]["dependency"], "p");
  EXPECT_EQ(g["fields"]["dependents"], nlohmann::json::array({"a", "b"}));
  EXPECT_TRUE(g["locations"].empty());
}

TEST(Json, OneDependentIsStillAList) {
  check::CheckResult r;
  check::Finding d;
  d.rule = "OFS208";
  d.set("dependents", "a");
  d.set("firmware", "x.bin");
  r.findings.push_back(d);
  r.findings.push_back(check::Finding{});  // no fields: {}
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["findings"][0]["fields"]["dependents"], nlohmann::json::array({"a"}));
  EXPECT_EQ(j["findings"][0]["fields"]["firmware"], nlohmann::json::array({"x.bin"}));
  EXPECT_TRUE(j["findings"][1]["fields"].is_object());
  EXPECT_TRUE(j["findings"][1]["fields"].empty());
}

// A given FILE outside the root keeps its host path and is not "in_root".
TEST(Json, GivenFileIsAHostPath) {
  check::CheckResult r;
  r.inputs.root = "/srv/img";
  check::ModuleResult m;
  m.name = "x";
  m.file = "/home/admin/x.ko";
  m.given = true;
  r.modules.push_back(m);
  check::Finding f;
  f.rule = "OFS201";
  f.where.push_back(SourceRef{"/home/admin/x.ko"});
  r.findings.push_back(f);
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["findings"][0]["locations"][0]["path"], "/home/admin/x.ko");
  EXPECT_EQ(j["findings"][0]["locations"][0]["in_root"], false);
}

}  // namespace
}  // namespace ofsck::report
