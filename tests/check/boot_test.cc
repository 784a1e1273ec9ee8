// Boot: modprobe's insertion order, what is loaded before what, the verdict memo and the linked
// world upgrade builds (replacement modules, providers by symbol), on a real raid456 stack.
#include "check/boot.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "scenario/scenario_util.hpp"

namespace ofsck::scn {
namespace {

const std::vector<std::string> kRaid = {"kernel/drivers/md/raid456.ko",
                                        "kernel/crypto/async_tx/async_raid6_recov.ko",
                                        "kernel/crypto/async_tx/async_memcpy.ko",
                                        "kernel/crypto/async_tx/async_pq.ko",
                                        "kernel/crypto/async_tx/async_xor.ko",
                                        "kernel/crypto/async_tx/async_tx.ko",
                                        "kernel/crypto/xor.ko",
                                        "kernel/lib/raid6/raid6_pq.ko",
                                        "kernel/lib/libcrc32c.ko",
                                        "kernel/drivers/md/md-mod.ko"};

class BootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OFSCK_REQUIRE_SCN(td::kOld61);
    root_ = std::make_unique<Root>(td::kOld61, kRaid);
    root_->depmod();
    check::NodeSpec spec;
    spec.root = root_->path();
    spec.kver = root_->kver();
    auto n = check::prepare(spec, {});
    ASSERT_TRUE(n) << n.error().message;
    node_ = std::move(*n);
  }
  size_t index(const std::string& name) const {
    return static_cast<size_t>(node_.resolution.module_by_name.at(name));
  }
  std::string name(int i) const { return node_.resolution.modules[static_cast<size_t>(i)].name; }

  std::unique_ptr<Root> root_;
  check::Node node_;
};

TEST_F(BootTest, ChainInsertedInReverseModulesDepOrder) {
  check::Boot boot(node_);
  const auto& chain = node_.resolution.deps[index("raid456")].all;
  ASSERT_GE(chain.size(), 5u);
  std::vector<std::string> order;
  EXPECT_EQ(boot.insert_chain(chain, order), -1);  // every dependency loads
  ASSERT_EQ(order.size(), chain.size());
  for (size_t k = 0; k < chain.size(); ++k) EXPECT_EQ(order[k], name(chain[chain.size() - 1 - k]));
  // Every module is inserted after its own dependencies.
  for (size_t k = 0; k < order.size(); ++k)
    for (int d : node_.resolution.deps[index(order[k])].all) {
      auto at = std::find(order.begin(), order.end(), name(d));
      ASSERT_NE(at, order.end()) << name(d);
      EXPECT_LT(static_cast<size_t>(at - order.begin()), k) << name(d) << " before " << order[k];
    }
  // The modules.dep list ends with a module that needs nothing: it is inserted first.
  EXPECT_TRUE(node_.resolution.deps[index(order.front())].all.empty()) << order.front();
}

TEST_F(BootTest, LoadedBeforeIsNewestFirst) {
  check::Boot boot(node_);
  const auto& chain = node_.resolution.deps[index("raid456")].all;
  std::vector<std::string> order;
  boot.insert_chain(chain, order);
  auto loaded = boot.loaded_before(chain);
  ASSERT_EQ(loaded.size(), order.size());
  for (size_t k = 0; k < loaded.size(); ++k)
    EXPECT_EQ(loaded[k].name, order[order.size() - 1 - k]) << "newest first";
  for (const auto& l : loaded) {
    ASSERT_NE(l.exports, nullptr);
    EXPECT_EQ(l.exports->by_name.size(), l.file->exports.size()) << l.name;
  }
}

TEST_F(BootTest, VerdictsAreMemoised) {
  check::Boot boot(node_);
  const size_t i = index("raid456");
  const check::LoadVerdict& a = boot.own_verdict(i);
  EXPECT_EQ(&a, &boot.own_verdict(i));
  EXPECT_TRUE(a.loads) << a.err << " at " << check::stage_name(a.stage);
  check::Boot eager(node_);
  eager.index_all();
  eager.precompute_all();
  EXPECT_EQ(eager.own_verdict(i).loads, a.loads);
  EXPECT_EQ(eager.own_verdict(i).taints, a.taints);
  // explain: the same load with every binding recorded.
  check::LoadVerdict e = boot.explain(i);
  EXPECT_EQ(e.loads, a.loads);
  EXPECT_FALSE(e.bindings.empty());
  bool bound_to_tree = false;
  for (const auto& b : e.bindings) bound_to_tree |= b.provider == "async_tx";
  EXPECT_TRUE(bound_to_tree);
}

TEST_F(BootTest, ReplacementTakesTheNameAndItsSymbols) {
  const size_t x = index("xor");
  const model::ModuleFile copy = *node_.resolution.modules[x].module;  // e.g. a weak-updates link
  ASSERT_FALSE(copy.exports.empty());
  const std::string sym = copy.exports.front().name;
  check::Boot plain(node_);
  auto p = plain.provider(sym);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->index, static_cast<int>(x));
  const check::Replacement repl[] = {{&copy, "xor", true}};
  check::Boot linked(node_, "modprobe", 0, repl);
  p = linked.provider(sym);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->replacement, 0);
  EXPECT_EQ(p->file, &copy);
  // modprobe's order by symbol: providers first, the module last, each name once.
  auto chain = linked.import_chain(linked.module(index("raid456")));
  ASSERT_FALSE(chain.empty());
  EXPECT_EQ(chain.back().name, "raid456");
  std::vector<std::string> names;
  for (const auto& n : chain) names.push_back(n.name);
  auto xor_at = std::find(names.begin(), names.end(), "xor");
  auto axor_at = std::find(names.begin(), names.end(), "async_xor");
  ASSERT_NE(xor_at, names.end());
  ASSERT_NE(axor_at, names.end());
  EXPECT_LT(xor_at, axor_at);
  EXPECT_EQ(chain[static_cast<size_t>(xor_at - names.begin())].replacement, 0);
  std::vector<std::string> dep_names;
  for (int d : node_.resolution.deps[index("raid456")].all) dep_names.push_back(name(d));
  dep_names.push_back("raid456");
  std::sort(names.begin(), names.end());
  std::sort(dep_names.begin(), dep_names.end());
  EXPECT_EQ(names, dep_names);
}

}  // namespace
}  // namespace ofsck::scn
