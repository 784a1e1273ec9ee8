// scenario/edited_node and prove_hints on a prepared node: each edit applied in memory gives
// the same findings as a full prepare() of the root with the edit written to disk, no module
// file is read again however many edits are proven, and the node is restored after each.
// Also: whatif proves the hints of the findings a change introduces, and --ignore/--baseline
// in whatif, upgrade and explain (counted, and the exit status follows them).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "check/check_tree.hpp"
#include "scenario/edited_node.hpp"
#include "scenario/prove_hints.hpp"
#include "scenario_util.hpp"

namespace ofsck::scn {
namespace {

const std::string kNew = td::kNew61;
const std::string kOld = td::kOld61;

/// What a finding says (not its hint, which proving rewrites), sorted.
std::vector<std::string> said(const std::vector<check::Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) {
    std::string s = f.rule + '|' + std::string(check::severity_name(f.severity)) + '|' + f.subject +
                    '|' + f.message;
    for (const auto& k : f.kernel_messages) s += '|' + k;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A root with three dangling overrides (depmod.d line 2..4): dummy's only other copy loads,
/// ifb's (6.1.0-47) fails module_layout, eql has two copies that load.
void dangling_overrides(Root& r) {
  r.add(in_tree(kNew, "kernel/drivers/net/dummy.ko"), "extra/dummy.ko");
  r.add(in_tree(kOld, "kernel/drivers/net/ifb.ko"), "extra/ifb.ko");
  r.add(in_tree(kNew, "kernel/drivers/net/eql.ko"), "extra/eql.ko");
  r.add(in_tree(kNew, "kernel/drivers/net/eql.ko"), "extra/alt/eql.ko");
  r.write("etc/depmod.d/ofs.conf",
          "# vendor\noverride dummy * updates/vendor\noverride ifb * updates/vendor\n"
          "override eql * updates/vendor\n");
}

const check::Finding* find(const std::vector<check::Finding>& fs, const std::string& rule,
                           const std::string& subject) {
  for (const auto& f : fs)
    if (f.rule == rule && f.subject == subject) return &f;
  return nullptr;
}

TEST(EditedNode, SameFindingsAsAFullPrepareAndNoModuleReadAgain) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  OFSCK_REQUIRE_DATA(td::module_dir(kOld));
  Root r(kNew);
  dangling_overrides(r);
  check::NodeSpec spec;
  spec.root = r.path();
  spec.kver = r.kver();
  check::ReadSettings rs;
  check::EvalOptions eo;
  auto node = check::prepare(spec, rs);
  ASSERT_TRUE(node) << node.error().message;
  const check::CheckResult res = check::evaluate(*node, eo);
  std::vector<check::ConfigEdit> edits;
  for (const auto& f : res.findings) edits.insert(edits.end(), f.edits.begin(), f.edits.end());
  ASSERT_EQ(edits.size(), 4u) << testing::PrintToString(said(res.findings));
  const std::string conf = r.path() + "/etc/depmod.d/ofs.conf";
  const std::string original = read_file(conf);
  for (const auto& e : edits) {
    scenario::EditStats st;
    std::vector<std::string> in_memory;
    {
      auto edited = scenario::EditedNode::apply(*node, e, 0, st);
      ASSERT_TRUE(edited) << edited.error().message;
      in_memory = said(check::evaluate(*node, eo).findings);
    }
    // Only a signed loser that now wins is read again, for the content digest the winners
    // were read with (eql: extra/ and extra/alt/ hold the same signed file).
    EXPECT_LE(st.module_reads, 1u) << e.line;
    EXPECT_EQ(st.edits, 1u);
    auto text = scenario::edited_text(conf, e.where.line, e.line);
    ASSERT_TRUE(text);
    write_file(conf, *text);
    auto full = check::prepare(spec, rs);
    write_file(conf, original);
    ASSERT_TRUE(full);
    EXPECT_EQ(in_memory, said(check::evaluate(*full, eo).findings)) << e.line;
  }
  // The node is restored after each edit.
  EXPECT_EQ(said(check::evaluate(*node, eo).findings), said(res.findings));
}

TEST(EditedNode, ProveHintsCostsOneResolutionPerEditNotAPrepare) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  OFSCK_REQUIRE_DATA(td::module_dir(kOld));
  Root r(kNew);
  dangling_overrides(r);
  check::NodeSpec spec;
  spec.root = r.path();
  spec.kver = r.kver();
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  auto node = check::prepare(spec, {});
  ASSERT_TRUE(node);
  check::EvalOptions eo;
  check::CheckResult res = check::evaluate(*node, eo);
  auto t1 = clock::now();
  scenario::EditStats st = scenario::prove_hints(*node, eo, res.findings);
  auto t2 = clock::now();
  EXPECT_EQ(st.edits, 4u);
  // Every module record is the node's, but the one eql file that changes from loser to
  // winner (read again for its content digest): no prepare, no tree read per edit.
  EXPECT_LE(st.module_reads, 1u);
  EXPECT_EQ(st.config_reads, 4u);  // the edited file, once per distinct edit
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("prepare+evaluate %lld ms; prove_hints of %zu edits %lld ms\n",
              static_cast<long long>(ms(t1 - t0)), st.edits, static_cast<long long>(ms(t2 - t1)));
  const check::Finding* d = find(res.findings, "OFS101", "dummy");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->hint, "replace line 2 with `override dummy * extra`, then run depmod -a " + kNew +
                         " (checked on this root with the edit applied: it removes the problem and "
                         "adds no error)");
  const check::Finding* i = find(res.findings, "OFS101", "ifb");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->hint.rfind("no single-line change fixes it: pointing it at extra leads to OFS201: "
                          "ifb was built for another kernel ABI",
                          0),
            0u)
      << i->hint;
  const check::Finding* q = find(res.findings, "OFS101", "eql");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->hint.rfind("replace line 4 with `override eql * extra", 0), 0u) << q->hint;
  for (const auto& f : res.findings) EXPECT_TRUE(f.edits.empty());
}

// whatif: a package bringing a 6.1.0-47 ifb into updates/ (it fails: an error) and a dangling
// override for dummy introduces OFS201 and OFS101; OFS101's hint is proven on the state after
// the change. --ignore and --baseline then decide the exit status.
TEST(WhatifHints, ProvenOnTheStateAfterTheChange) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  OFSCK_REQUIRE_DATA(td::module_dir(kOld));
  const std::string conf = "# vendor\noverride dummy * updates/vendor\n";
  Root r(kNew);
  r.add(in_tree(kNew, "kernel/drivers/net/dummy.ko"), "extra/dummy.ko");
  r.depmod();
  const std::string pkg = td::make_temp_dir("whatif-hint");
  write_file(pkg + "/etc/depmod.d/ofs.conf", conf);
  fs::create_directories(pkg + "/lib/modules/" + kNew + "/updates");
  fs::copy_file(in_tree(kOld, "kernel/drivers/net/ifb.ko"),
                pkg + "/lib/modules/" + kNew + "/updates/ifb.ko");
  const std::vector<std::string> a = {"whatif", "--root",    r.path(),    "--kernel",
                                      r.kver(), "--install", pkg,         "--format",
                                      "json",   "-q",        "--no-cache"};
  auto with = [&a](std::vector<std::string> extra) {
    std::vector<std::string> v = a;
    v.insert(v.end(), extra.begin(), extra.end());
    return ofsck(v);
  };
  auto introduced = [](const Out& o, const std::string& rule) -> const json* {
    for (const auto& x : o.doc["introduced"])
      if (x["rule"] == rule) return &x;
    return nullptr;
  };
  Out run = with({});
  ASSERT_TRUE(run.parsed) << SCN_DUMP(run);
  EXPECT_EQ(run.status, 1);
  ASSERT_NE(introduced(run, "OFS201"), nullptr) << SCN_DUMP(run);
  const json* f = introduced(run, "OFS101");
  ASSERT_NE(f, nullptr) << SCN_DUMP(run);
  EXPECT_EQ((*f)["hint"],
            "replace line 2 with `override dummy * extra`, then run depmod -a " + kNew +
                " (checked on this root with the edit applied: it removes the problem "
                "and adds no error)");
  // --ignore applies to both sides: ifb's error is neither introduced nor counted as new.
  Out ign = with({"--ignore", "OFS201:ifb"});
  ASSERT_TRUE(ign.parsed) << SCN_DUMP(ign);
  EXPECT_EQ(ign.status, 0) << SCN_DUMP(ign);
  EXPECT_EQ(introduced(ign, "OFS201"), nullptr);
  EXPECT_GE(ign.doc["kernels"][0]["suppressed_by"]["ignore"].get<int>(), 1);
  // A baseline written by `check` on a root in the after state: nothing is new.
  Root after(kNew);
  after.add(in_tree(kNew, "kernel/drivers/net/dummy.ko"), "extra/dummy.ko");
  after.add(in_tree(kOld, "kernel/drivers/net/ifb.ko"), "updates/ifb.ko");
  after.write("etc/depmod.d/ofs.conf", conf);
  after.depmod();
  const std::string bdir = td::make_temp_dir("whatif-baseline");
  const std::string base = bdir + "/accepted.baseline";
  ofsck({"check", "--root", after.path(), "--kernel", after.kver(), "-q", "--no-cache",
         "--write-baseline", base});
  Out bl = with({"--baseline", base});
  ASSERT_TRUE(bl.parsed) << SCN_DUMP(bl);
  EXPECT_EQ(bl.status, 0) << SCN_DUMP(bl) << read_file(base);
  EXPECT_EQ(introduced(bl, "OFS201"), nullptr) << SCN_DUMP(bl);
  EXPECT_GE(bl.doc["kernels"][0]["suppressed_by"]["baseline"].get<int>(), 2) << SCN_DUMP(bl);
  Out text = ofsck({"whatif", "--root", r.path(), "--kernel", r.kver(), "--install", pkg, "-q",
                    "--no-cache", "--baseline", base});
  EXPECT_NE(text.out.find(" suppressed (baseline "), std::string::npos) << text.out;
  // whatif reads a baseline, never writes one.
  Out w = with({"--write-baseline", base});
  EXPECT_EQ(w.status, 2);
  std::error_code ec;
  fs::remove_all(pkg, ec);
  fs::remove_all(bdir, ec);
}

// explain: a failing module whose every error finding is ignored exits 0 and says so.
TEST(ExplainSuppression, AnIgnoredFailureIsAccepted) {
  OFSCK_REQUIRE_DATA(td::module_dir(kNew));
  OFSCK_REQUIRE_DATA(td::module_dir(kOld));
  Root r(kNew);
  r.add(in_tree(kOld, "kernel/drivers/net/ifb.ko"), "extra/ifb.ko");
  r.depmod();
  std::vector<std::string> a = {"explain", "ifb", "--root",     r.path(),   "--kernel",
                                r.kver(),  "-q",  "--no-cache", "--format", "json"};
  Out plain = ofsck(a);
  ASSERT_TRUE(plain.parsed) << SCN_DUMP(plain);
  EXPECT_EQ(plain.status, 1);
  EXPECT_FALSE(plain.doc["failure_accepted"].get<bool>());
  a.insert(a.end(), {"--ignore", "OFS201"});
  Out ign = ofsck(a);
  ASSERT_TRUE(ign.parsed) << SCN_DUMP(ign);
  EXPECT_EQ(ign.status, 0) << SCN_DUMP(ign);
  EXPECT_FALSE(ign.doc["loads"].get<bool>());
  EXPECT_TRUE(ign.doc["failure_accepted"].get<bool>());
  EXPECT_GE(ign.doc["suppressed_by"]["ignore"].get<int>(), 1);
  Out text = ofsck({"explain", "ifb", "--root", r.path(), "--kernel", r.kver(), "-q", "--no-cache",
                    "--ignore", "OFS201"});
  EXPECT_NE(text.out.find("the failure is accepted (exit status 0)"), std::string::npos)
      << text.out;
}

}  // namespace
}  // namespace ofsck::scn
