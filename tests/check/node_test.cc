// prepare() reads, evaluate() computes: a node evaluated after its root is gone gives the same
// verdicts and findings as before (every file evaluate needs was read by prepare).
#include <gtest/gtest.h>

#include "check/check_tree.hpp"
#include "scenario/scenario_util.hpp"

namespace ofsck::scn {
namespace {

/// Everything a renderer prints of a result, as one string.
std::string digest(const check::CheckResult& r) {
  std::string s = r.inputs.root + "|" + r.inputs.kernel_release + "|" + r.inputs.cmdline + "|" +
                  std::to_string(r.unreadable) + "\n";
  for (const auto& m : r.modules) {
    s += m.name + " " + m.file + " " + (m.loads ? "loads" : "fails") + " " + m.errno_name + " " +
         m.failed_dependency + " " + m.taints + " " + m.modprobe_message + "\n";
    for (const auto& k : m.kernel_messages) s += "  k: " + k.text + "\n";
    for (const auto& o : m.load_order) s += "  o: " + o + "\n";
  }
  for (const auto& f : r.findings) {
    s += f.rule + " " + f.subject + ": " + f.message + " / " + f.hint + " / " + f.modprobe_message +
         "\n";
    for (const auto& w : f.where) s += "  at " + w.path + ":" + std::to_string(w.line) + "\n";
    for (const auto& n : f.notes) s += "  note: " + n + "\n";
    for (const auto& k : f.kernel_messages) s += "  k: " + k + "\n";
  }
  return s;
}

bool has_note(const check::CheckResult& r, const std::string& rule, const std::string& part) {
  for (const auto& f : r.findings)
    if (f.rule == rule)
      for (const auto& n : f.notes)
        if (n.find(part) != std::string::npos) return true;
  return false;
}

bool has_rule(const check::CheckResult& r, const std::string& rule) {
  for (const auto& f : r.findings)
    if (f.rule == rule) return true;
  return false;
}

TEST(Node, EvaluateOpensNoFile) {
  OFSCK_REQUIRE_SCN(td::kOld61);
  auto r = std::make_unique<Root>(td::kOld61);
  r->add_test("unsigned/ofs_core-v2/ofs_core.ko", "updates/ofs_core.ko");
  r->add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r->add_test("unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko");
  r->depmod();
  const std::string given = r->path() + "/given/ofs_leaf.ko";  // removed with the root
  write_file(given, read_file(tm(td::kOld61, "unsigned/ofs_leaf.ko")));
  check::NodeSpec spec;
  spec.root = r->path();
  spec.kver = r->kver();
  spec.files = {given};
  check::ReadSettings rs;
  rs.modprobe_indexes = true;
  auto node = check::prepare(spec, rs);
  ASSERT_TRUE(node) << node.error().message;
  check::EvalOptions all, only;
  only.only = {"ofs_consumer", "no_such_module"};
  const check::CheckResult before = check::evaluate(*node, all);
  const check::CheckResult before_only = check::evaluate(*node, only);
  // What evaluate used to read itself: the losing file, modules.dep.bin, the given file.
  EXPECT_TRUE(has_note(before, "OFS203", "built against extra/ofs_core.ko")) << digest(before);
  EXPECT_FALSE(has_rule(before, "OFS112")) << digest(before);
  EXPECT_FALSE(has_rule(before, "OFS103")) << digest(before);
  EXPECT_EQ(before.unreadable, 0u) << digest(before);
  EXPECT_TRUE(has_rule(before_only, "OFS305")) << digest(before_only);

  const std::string root = r->path();
  r.reset();
  ASSERT_FALSE(fs::exists(root));
  EXPECT_EQ(digest(check::evaluate(*node, all)), digest(before));
  EXPECT_EQ(digest(check::evaluate(*node, only)), digest(before_only));
}

// The transition entry points give what the new ones give.
TEST(Node, CheckOptionsWrappersMatch) {
  OFSCK_REQUIRE_SCN(td::kOld61);
  Root r(td::kOld61);
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r.add_test("unsigned/ofs_consumer.ko", "extra/ofs_consumer.ko");
  r.depmod();
  check::CheckOptions o;
  o.root = r.path();
  o.kver = r.kver();
  o.cmdline = "module_blacklist=ofs_core";
  auto old_p = check::prepare(o);
  ASSERT_TRUE(old_p) << old_p.error().message;
  auto node = check::prepare(o.node_spec(), o.read_settings());
  ASSERT_TRUE(node);
  const std::string a = digest(check::evaluate(*old_p, o));
  EXPECT_EQ(a, digest(check::evaluate(*node, o.eval_options())));
  EXPECT_NE(a.find("module_blacklist=ofs_core"), std::string::npos) << a;
}

// NodeSpec::kernel_facts: the node is judged by another node's kernel (image: the disk's).
TEST(Node, KernelFactsFromAnotherNode) {
  OFSCK_REQUIRE_SCN(td::kOld61);
  Root r(td::kOld61);
  r.add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r.depmod();
  check::NodeSpec host;
  host.root = r.path();
  host.kver = r.kver();
  host.cmdline = "module_blacklist=ofs_core";
  auto donor = check::prepare(host, check::ReadSettings{});
  ASSERT_TRUE(donor) << donor.error().message;
  check::NodeSpec spec = host;
  spec.cmdline = "";
  auto own = check::prepare(spec, check::ReadSettings{});
  spec.kernel_facts = std::make_shared<const model::KernelFacts>(donor->kernel);
  auto given = check::prepare(spec, check::ReadSettings{});
  ASSERT_TRUE(own && given);
  EXPECT_TRUE(own->kernel.module_blacklist.empty());
  EXPECT_EQ(given->kernel.module_blacklist, donor->kernel.module_blacklist);
  auto loads = [](const check::Node& n) {
    for (const auto& m : check::evaluate(n, check::EvalOptions{}).modules)
      if (m.name == "ofs_core") return m.loads;
    return false;
  };
  EXPECT_TRUE(loads(*own));
  EXPECT_FALSE(loads(*given));
}

}  // namespace
}  // namespace ofsck::scn
