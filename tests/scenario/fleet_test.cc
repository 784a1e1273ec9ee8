// The fleet view on snapshot documents built in memory: groups folded as ClusterShell folds
// them, the majority first, and each kind of drift with its node sets.
#include "scenario/fleet.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace ofsck::scenario {
namespace {

using read::SnapshotDoc;

SnapshotDoc stock(int n, const std::string& stack = "s1") {
  SnapshotDoc d;
  d.node = fmt::format("cn{:03}", n);
  d.origin = d.node + ".json";
  d.taken = "2026-12-07T15:00:00Z";
  d.kernel = "6.1.0-47-amd64";
  d.kmod = "30";
  d.stack = stack;
  d.verdict = "ok";
  d.packages = {{"linux-image-6.1.0-47-amd64", "6.1.0-47", "d1", 3900}};
  d.options = {{"ko2iblnd", "peer_credits", "32", "/etc/modprobe.d/ko2iblnd.conf:3", true},
               {"ko2iblnd", "map_on_demand", "", "/etc/modprobe.d/ko2iblnd.conf:3", false}};
  return d;
}

std::vector<SnapshotDoc> fleet(int from, int to) {
  std::vector<SnapshotDoc> v;
  for (int i = from; i <= to; ++i) v.push_back(stock(i));
  return v;
}

const Drift* find(const FleetReport& r, const std::string& kind, const std::string& module = "") {
  for (const auto& d : r.drift)
    if (d.kind == kind && d.module == module) return &d;
  return nullptr;
}

TEST(Fleet, IdenticalNodesAreOneGroupWithoutDrift) {
  FleetReport r = build_fleet(fleet(1, 40));
  EXPECT_EQ(r.nodes, 40u);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].nodes, "cn[001-040]");
  EXPECT_EQ(r.groups[0].count, 40u);
  EXPECT_TRUE(r.drift.empty());
  EXPECT_FALSE(fleet_has_problems(r));
}

TEST(Fleet, OptionDriftListsEachValueWithNodesAndSource) {
  std::vector<SnapshotDoc> v = fleet(1, 40);
  for (int i : {7, 9}) {
    v[i - 1].stack = "s2";
    // Set twice: the kernel applies the last one.
    v[i - 1].options.push_back(
        {"ko2iblnd", "peer_credits", "128", "/etc/modprobe.d/z.conf:1", true});
  }
  v[20].stack = "s3";
  v[20].options.erase(v[20].options.begin());  // not set at all on cn021
  FleetReport r = build_fleet(std::move(v));
  ASSERT_EQ(r.groups.size(), 3u);
  EXPECT_EQ(r.groups[0].nodes, "cn[001-006,008,010-020,022-040]");
  EXPECT_EQ(r.groups[1].nodes, "cn[007,009]");
  EXPECT_EQ(r.groups[2].nodes, "cn021");
  ASSERT_EQ(r.drift.size(), 1u);
  const Drift& d = r.drift[0];
  EXPECT_EQ(d.kind, "option");
  EXPECT_EQ(d.module, "ko2iblnd");
  EXPECT_EQ(d.subject, "peer_credits");
  ASSERT_EQ(d.variants.size(), 3u);
  EXPECT_EQ(d.variants[0].value, "peer_credits=32");
  EXPECT_EQ(d.variants[0].count, 37u);
  EXPECT_EQ(d.variants[0].sources, std::vector<std::string>{"/etc/modprobe.d/ko2iblnd.conf:3"});
  EXPECT_EQ(d.variants[1].value, "peer_credits=128");
  EXPECT_EQ(d.variants[1].nodes, "cn[007,009]");
  EXPECT_EQ(d.variants[1].sources, std::vector<std::string>{"/etc/modprobe.d/z.conf:1"});
  EXPECT_EQ(d.variants[2].value, std::nullopt);  // not set
  EXPECT_EQ(d.variants[2].nodes, "cn021");
  EXPECT_TRUE(fleet_has_problems(r));
}

TEST(Fleet, KernelPackageModuleFindingAndRunningDrift) {
  std::vector<SnapshotDoc> v = fleet(1, 10);
  v[0].stack = "k";
  v[0].kernel = "6.1.0-56-amd64";
  v[1].stack = "m";
  v[1].module_rows = {{"mlx5_core", "updates/mlx5_core.ko", "ab", "mlnx-ofed-kernel-modules", "5.8",
                       "modified", "", "", true}};
  v[2].stack = "p";
  v[2].packages[0].digest = "d2";  // a modified kernel package file
  v[3].stack = "f";
  v[3].errors = 1;
  v[3].findings = {{"OFS203", "error", "hfi1"}};
  v[4].live = true;  // running drift does not change the stack
  v[4].running_drift = {{"ko2iblnd", "peer_credits", "32", "8"}};
  FleetReport r = build_fleet(std::move(v));
  EXPECT_EQ(r.groups.size(), 5u);
  EXPECT_EQ(r.groups[0].nodes, "cn[005-010]");
  EXPECT_EQ(r.error_nodes, 1u);
  const Drift* k = find(r, "kernel");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->variants[1].value, "6.1.0-56-amd64");
  EXPECT_EQ(k->variants[1].nodes, "cn001");
  const Drift* p = find(r, "package");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->subject, "linux-image-6.1.0-47-amd64");
  EXPECT_EQ(p->variants[1].value, "6.1.0-47 digest d2");
  const Drift* m = find(r, "module", "mlx5_core");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->variants[0].value, std::nullopt);
  EXPECT_EQ(m->variants[1].value,
            "updates/mlx5_core.ko sha256 ab package mlnx-ofed-kernel-modules 5.8 (modified)");
  const Drift* f = find(r, "finding", "hfi1");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->variants[1].value, "OFS203 error");
  EXPECT_EQ(f->variants[1].nodes, "cn004");
  const Drift* run = find(r, "running", "ko2iblnd");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->variants[1].value, "running 8, configured 32");
  EXPECT_EQ(run->variants[1].nodes, "cn005");
  // Report order: kernel, then packages, then by module.
  ASSERT_EQ(r.drift.size(), 5u);
  EXPECT_EQ(r.drift[0].kind, "kernel");
  EXPECT_EQ(r.drift[1].kind, "package");
  EXPECT_EQ(r.drift[2].module, "hfi1");
  EXPECT_EQ(r.drift[3].module, "ko2iblnd");
  EXPECT_EQ(r.drift[4].module, "mlx5_core");
}

TEST(Fleet, DuplicateNodeKeepsTheNewestSnapshot) {
  std::vector<SnapshotDoc> v = fleet(1, 3);
  SnapshotDoc old = stock(2, "old");
  old.taken = "2026-12-01T00:00:00Z";
  old.origin = "old/cn002.json";
  v.insert(v.begin(), old);  // read first, but older
  FleetReport r = build_fleet(std::move(v));
  EXPECT_EQ(r.nodes, 3u);
  ASSERT_EQ(r.groups.size(), 1u);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0],
            "node cn002 has several snapshots: cn002.json is used, old/cn002.json is not (the "
            "newest is kept)");
}

TEST(Fleet, GroupsByCountThenNodeSet) {
  std::vector<SnapshotDoc> v = fleet(1, 6);
  v[0].stack = v[1].stack = "b";
  v[4].stack = v[5].stack = "a";
  FleetReport r = build_fleet(std::move(v));
  ASSERT_EQ(r.groups.size(), 3u);
  EXPECT_EQ(r.groups[0].nodes, "cn[001-002]");  // 2 nodes, before cn[005-006] (same count)
  EXPECT_EQ(r.groups[1].nodes, "cn[003-004]");
  EXPECT_EQ(r.groups[2].nodes, "cn[005-006]");
}

}  // namespace
}  // namespace ofsck::scenario
