// prepare() reads, evaluate() computes: a node evaluated after its root is gone gives the same
// verdicts and findings as before (every file evaluate needs was read by prepare).
#include <gtest/gtest.h>

#include <stdexcept>

#include "check/boot.hpp"
#include "check/check_tree.hpp"
#include "check/modprobe_closure.hpp"
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

/// What `modprobe NAME` finds and loads for a few names, as one string.
std::string lookups(const check::Node& n) {
  check::ModprobeView view(n);
  std::string s = view.alias_source() + "\n";
  for (const char* name : {"ofs_consumer", "ofs_core", "no_such_module", "pcspkr"}) {
    check::ModprobeTarget t = check::modprobe_target(view, n, name);
    s += std::string(name) + ":";
    for (const auto& st : t.probe.steps) s += " " + st.module + (st.exists ? "" : "?");
    s += "\n";
  }
  return s;
}

/// explain's simulation of every module (signature verdict and import bindings), as one string.
std::string explain(const check::Node& n) {
  check::Boot boot(n);
  std::string s;
  for (size_t i = 0; i < n.resolution.modules.size(); ++i) {
    if (!n.resolution.modules[i].module) continue;
    check::LoadVerdict v = boot.explain(i);
    s += v.name + " " + (v.loads ? "loads" : "fails") + " " + v.sig.detail + "\n";
    for (const auto& b : v.bindings) s += "  " + b.symbol + " <- " + b.provider + "\n";
  }
  return s;
}

/// Node `r` (its only kernel) as prepare() takes it.
check::NodeSpec spec_of(const Root& r) {
  check::NodeSpec spec;
  spec.root = r.path();
  spec.kver = r.kver();
  return spec;
}

/// A root with ofs_core in extra/, indexed by the real depmod.
std::unique_ptr<Root> core_root() {
  auto r = std::make_unique<Root>(td::kOld61);
  r->add_test("unsigned/ofs_core.ko", "extra/ofs_core.ko");
  r->depmod();
  return r;
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
  r->add_tests(kShadowedCore);
  r->depmod();
  const std::string given = r->path() + "/given/ofs_leaf.ko";  // removed with the root
  write_file(given, read_file(tm(td::kOld61, "unsigned/ofs_leaf.ko")));
  check::NodeSpec spec = spec_of(*r);
  spec.files = {given};
  check::ReadSettings rs;
  rs.modprobe_indexes = true;
  auto node = check::prepare(spec, rs);
  ASSERT_TRUE(node) << node.error().message;
  check::EvalOptions all, only;
  only.only = {"ofs_consumer", "no_such_module"};
  const check::CheckResult before = check::evaluate(*node, all);
  const check::CheckResult before_only = check::evaluate(*node, only);
  const std::string lookups_before = lookups(*node), explain_before = explain(*node);
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
  // modprobe's lookups and explain's simulation: from what prepare read, too.
  EXPECT_EQ(lookups(*node), lookups_before);
  EXPECT_EQ(explain(*node), explain_before);
}

// A node read without what a step needs is refused, never completed by reading files.
TEST(Node, StepsRefuseANodeReadWithoutTheirInputs) {
  OFSCK_REQUIRE_SCN(td::kOld61);
  auto r = core_root();
  check::ReadSettings rs;
  check::NodeSpec spec = spec_of(*r);
  rs.evaluation_reads = false;
  rs.packages = false;
  auto node = check::prepare(spec, rs);
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_FALSE(node->evaluable);
  EXPECT_TRUE(node->losers.empty() && node->missing_firmware.empty() && !node->packages);
  EXPECT_FALSE(node->dep_index.exists) << "modules.dep.bin is there but was not read";
  EXPECT_THROW((void)check::evaluate(*node, {}), std::logic_error);
  EXPECT_THROW(check::ModprobeView view(*node), std::logic_error);
  ASSERT_EQ(node->resolution.modules.size(), 2u) << "the tree itself is resolved";
}

// NodeSpec::kernel_facts: the node is judged by another node's kernel (image: the disk's).
TEST(Node, KernelFactsFromAnotherNode) {
  OFSCK_REQUIRE_SCN(td::kOld61);
  auto r = core_root();
  check::NodeSpec host = spec_of(*r);
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
