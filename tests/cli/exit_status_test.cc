// Exit statuses of every command as documented (README, `ofsck COMMAND --help`), on real roots
// built from the cached Debian trees, and --format json parsed by nlohmann::json for each.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "scenario/scenario_util.hpp"

namespace ofsck::scn {
namespace {

using nlohmann::json;

struct Output {
  int rc = -1;
  std::string out, err;
};

/// `ofsck ARGS`, stdout and stderr apart.
Output ofsck(const std::string& args) {
  Output r;
  const std::string err = td::make_temp_dir("stderr") + "/err";
  r.out = td::run(td::ofsck_bin() + " " + args + " 2>" + shq(err), &r.rc);
  r.err = read_file(err);
  td::run("rm -rf " + shq(err.substr(0, err.rfind('/'))));
  return r;
}

/// Parses `out`; a failure names the output.
json parse(const std::string& out) {
  json j = json::parse(out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << out;
  return j;
}

/// Every finding's severity is its rule's in the catalogue (`ofsck rules`).
void expect_catalogue_severities(const json& findings) {
  static const std::map<std::string, std::string> kSeverity = [] {
    std::map<std::string, std::string> m;
    std::istringstream in(td::run(td::ofsck_bin() + " rules"));
    std::string id, sev, rest;
    while (in >> id >> sev && std::getline(in, rest)) m[id] = sev;
    return m;
  }();
  for (const auto& f : findings)
    EXPECT_EQ(f["severity"], kSeverity.at(f["rule"].get<std::string>())) << f.dump();
}

// An empty module tree cannot be checked: 3, for check and explain, text and JSON.
TEST(ExitStatus, EmptyModuleTreeIs3) {
  const std::string r = td::make_temp_dir("empty");
  td::run("mkdir -p " + r + "/lib/modules/" + td::kNew61);
  for (const char* cmd : {"check", "check --format json", "explain dummy"}) {
    Output x = ofsck(std::string(cmd) + " -q --no-cache --root " + r);
    EXPECT_EQ(x.rc, 3) << cmd << x.out << x.err;
    EXPECT_NE(x.err.find("no module file under " + r + "/lib/modules/" + td::kNew61), x.err.npos)
        << x.err;
    EXPECT_EQ(x.out, "") << cmd;
  }
  td::run("rm -rf " + r);
}

/// A root of 6.1.0-56 with pcspkr and dummy, Module.symvers and modules.dep.
class SmallRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    OFSCK_REQUIRE_SCN(td::kNew61);
    root_ = std::make_unique<Root>(td::kNew61,
                                   std::vector<std::string>{"kernel/drivers/input/misc/pcspkr.ko",
                                                            "kernel/drivers/net/dummy.ko"});
  }
  std::string args(const std::string& cmd) const {
    return cmd + " -q --no-cache --no-verify-content --root " + root_->path() + " ";
  }
  std::unique_ptr<Root> root_;
};

// check FILE: a verdict line for each FILE, loading or not; a missing FILE is 3.
TEST_F(SmallRoot, CheckFilesVerdictLinesAndMissingFile) {
  root_->depmod();
  const std::string good = td::module_dir(td::kNew61) + "/kernel/drivers/net/dummy.ko";
  const std::string bad = td::module_dir(td::kOld61) + "/kernel/drivers/input/misc/pcspkr.ko";
  Output x = ofsck(args("check") + good);
  EXPECT_EQ(x.rc, 0) << x.out << x.err;
  EXPECT_NE(x.out.find(good + ": loads as dummy\n"), x.out.npos) << x.out;
  x = ofsck(args("check") + good + " " + bad);
  EXPECT_EQ(x.rc, 1) << x.out << x.err;
  EXPECT_NE(x.out.find(good + ": loads as dummy\n"), x.out.npos) << x.out;
  EXPECT_NE(x.out.find(bad + ": FAILS (ENOEXEC) as pcspkr: pcspkr: disagrees about version of "
                             "symbol module_layout\n"),
            x.out.npos)
      << x.out;
  const std::string missing = root_->path() + "/no-such.ko";
  x = ofsck(args("check") + good + " " + missing);
  EXPECT_EQ(x.rc, 3) << x.out << x.err;
  EXPECT_NE(x.out.find(missing + ": cannot be read: no verdict\n"), x.out.npos) << x.out;
  EXPECT_NE(x.err.find(missing + " cannot be read"), x.err.npos) << x.err;
  x = ofsck(args("check") + "--format json " + missing);
  EXPECT_EQ(x.rc, 3);
  json j = parse(x.out);
  expect_catalogue_severities(j["findings"]);
  ASSERT_FALSE(j["findings"].empty());
  // A FILE outside the root keeps its host path (docs/json-schema.md, "Paths in findings").
  bool named = false;
  for (const auto& f : j["findings"])
    for (const auto& l : f["locations"])
      if (l["path"] == missing.substr(root_->path().size())) named = l["in_root"].get<bool>();
  EXPECT_TRUE(named) << x.out;  // under the root: as the node sees it
}

// explain: 0 when the module loads, 1 when it fails; --format json is JSON.
TEST_F(SmallRoot, ExplainExitAndJson) {
  root_->add(td::module_dir(td::kOld61) + "/kernel/drivers/net/dummy.ko", "updates/dummy.ko");
  root_->depmod();
  Output x = ofsck(args("explain") + "pcspkr");
  EXPECT_EQ(x.rc, 0) << x.out << x.err;
  x = ofsck(args("explain") + "--format json pcspkr");
  EXPECT_EQ(x.rc, 0) << x.err;
  json j = parse(x.out);
  EXPECT_EQ(j["command"], "explain");
  EXPECT_EQ(j["loads"], true);
  EXPECT_EQ(j["file"],
            "/lib/modules/" + std::string(td::kNew61) + "/kernel/drivers/input/misc/pcspkr.ko");
  x = ofsck(args("explain") + "dummy");
  EXPECT_EQ(x.rc, 1) << x.out << x.err;
  EXPECT_NE(x.out.find("verdict: FAILS (ENOEXEC)"), x.out.npos) << x.out;
  x = ofsck(args("explain") + "--format json dummy");
  EXPECT_EQ(x.rc, 1);
  j = parse(x.out);
  EXPECT_EQ(j["loads"], false);
  EXPECT_EQ(j["verdicts"][0]["errno"], "ENOEXEC");
  EXPECT_EQ(j["selections"][0]["candidates"].size(), 2u) << x.out;
  EXPECT_TRUE(j["imports"].is_array());  // empty: the kernel stops at module_layout
  // The finding names module_layout with both CRCs (check --format json).
  x = ofsck(args("check") + "--format json");
  EXPECT_EQ(x.rc, 1);
  j = parse(x.out);
  expect_catalogue_severities(j["findings"]);
  bool layout = false;
  for (const auto& f : j["findings"])
    if (f["rule"] == "OFS201") {
      layout = true;
      EXPECT_EQ(f["fields"]["symbol"], "module_layout");
      EXPECT_EQ(f["fields"]["module"], "dummy");
      EXPECT_EQ(f["locations"][0]["path"],
                "/lib/modules/" + std::string(td::kNew61) + "/updates/dummy.ko");
    }
  EXPECT_TRUE(layout) << x.out;
}

// whatif: 1 when the change introduces errors, else 0; JSON either way.
TEST_F(SmallRoot, WhatifExitAndJson) {
  root_->depmod();
  const std::string dir = td::make_temp_dir("whatif-dir");
  const std::string md = dir + "/lib/modules/" + td::kNew61;
  td::run("mkdir -p " + md + "/updates " + dir + "/etc/modprobe.d && cp " +
          td::module_dir(td::kOld61) + "/kernel/drivers/net/dummy.ko " + md + "/updates/");
  Output x = ofsck(args("whatif") + "--format json --install " + dir);
  EXPECT_EQ(x.rc, 1) << x.out << x.err;
  json j = parse(x.out);
  expect_catalogue_severities(j["introduced"]);
  td::run("rm -rf " + md + "/updates && printf 'options dummy numdummies=2\\n' > " + dir +
          "/etc/modprobe.d/d.conf");
  x = ofsck(args("whatif") + "--format json --install " + dir);
  EXPECT_EQ(x.rc, 0) << x.out << x.err;
  parse(x.out);
  td::run("rm -rf " + dir);
}

// upgrade: 1 when a module must be rebuilt; JSON findings as `check`'s.
TEST_F(SmallRoot, UpgradeExitAndJson) {
  root_->depmod();
  const std::string old_md = root_->path() + "/lib/modules/" + td::kOld61;
  td::run("mkdir -p " + old_md + "/extra && cp " + tm(td::kOld61, "unsigned/ofs_core.ko") + " " +
          old_md + "/extra/ && depmod -b " + root_->path() + " " + td::kOld61 + " 2>/dev/null");
  Output x =
      ofsck(args("upgrade") + "--kernel " + td::kOld61 + " --to " + td::kNew61 + " --format json");
  EXPECT_EQ(x.rc, 1) << x.out << x.err;
  json j = parse(x.out);
  EXPECT_EQ(j["summary"]["unloadable"], true);
  expect_catalogue_severities(j["findings"]);
  for (const auto& f : j["findings"]) EXPECT_TRUE(f.contains("fields")) << f.dump();
  x = ofsck(args("upgrade") + "--kernel " + td::kOld61 + " --to " + td::kNew61);
  EXPECT_EQ(x.rc, 1) << x.err;
}

// image: 1 when a needed module is missing; JSON.
TEST(ExitStatus, ImageExitAndJson) {
  const std::string img =
      td::cache_dir() + "/images/mkinitramfs-" + std::string(td::kNew61) + "-v1.img";
  OFSCK_REQUIRE_DATA(img);
  const std::string base = "image -q --no-cache --no-verify-content --root " +
                           td::tree(td::kNew61) + " --format json " + img;
  Output x = ofsck(base + " --need rdma_cm");
  EXPECT_LE(x.rc, 1) << x.err;
  json j = parse(x.out);
  expect_catalogue_severities(j["findings"]);
  x = ofsck(base + " --need no_such_module_xyz");
  EXPECT_EQ(x.rc, 1) << x.err;
  j = parse(x.out);
  bool missing = false;
  for (const auto& f : j["findings"]) {
    if (f["rule"] != "OFS401") continue;
    missing = true;
    EXPECT_EQ(f["locations"][0]["path"], img);  // a host file, not on the node
    EXPECT_EQ(f["locations"][0]["in_root"], false);
  }
  EXPECT_TRUE(missing) << x.out;
}

// modinfo: 0 when every file is read, 3 when one is not; JSON.
TEST(ExitStatus, ModinfoExitAndJson) {
  const std::string f = td::module_dir(td::kNew61) + "/kernel/drivers/net/dummy.ko";
  OFSCK_REQUIRE_DATA(f);
  Output x = ofsck("modinfo --format json " + f);
  EXPECT_EQ(x.rc, 0);
  EXPECT_EQ(parse(x.out)[0]["file"], f);
  x = ofsck("modinfo --format json " + f + " /nonexistent/x.ko");
  EXPECT_EQ(x.rc, 3);
  EXPECT_EQ(parse(x.out).size(), 1u);
}

// Every command's --help documents its exit statuses.
TEST(ExitStatus, EveryHelpHasExitStatus) {
  for (const char* cmd :
       {"check", "explain", "depmod", "modinfo", "rules", "image", "upgrade", "whatif", "fleet"}) {
    Output x = ofsck(std::string(cmd) + " --help");
    EXPECT_EQ(x.rc, 0) << cmd;
    EXPECT_NE(x.out.find("EXIT STATUS\n  0  "), x.out.npos) << cmd;
    EXPECT_NE(x.out.find("  2  usage error"), x.out.npos) << cmd;
  }
}

}  // namespace
}  // namespace ofsck::scn
