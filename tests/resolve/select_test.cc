// Unit tests for depmod's winner selection quirks (kernel-semantics.md §1.3) on synthetic
// ScannedFile lists; the byte-for-byte comparison with depmod lives in depmod_oracle_test.cc.
#include "resolve/select.hpp"

#include <gtest/gtest.h>

#include "resolve/kmod_order.hpp"

using namespace ofsck;
using resolve::ScannedFile;

namespace {

const std::string kDir = "/lib/modules/6.1.0";

ScannedFile file(const std::string& rel, uint32_t seq) {
  ScannedFile f;
  f.kmod_path = kDir + "/" + rel;
  f.path = f.kmod_path;
  f.relpath = rel;
  size_t slash = rel.rfind('/');
  f.dir = slash == std::string::npos ? "" : rel.substr(0, slash);
  std::string base = slash == std::string::npos ? rel : rel.substr(slash + 1);
  f.stem = base.substr(0, base.find('.'));
  f.name = model::module_name_from_filename(base);
  f.base_off = f.kmod_path.size() - base.size();
  f.seq = seq;
  return f;
}

model::DepmodConfig config(std::vector<std::string> search,
                           std::vector<std::pair<std::string, std::string>> overrides = {}) {
  model::DepmodConfig c;
  uint32_t line = 1;
  for (std::string& s : search)
    c.search.push_back({std::move(s), SourceRef{"/etc/depmod.d/a.conf", line++}});
  for (auto& [mod, dir] : overrides) {
    model::DepmodOverride o;
    o.modname = mod;
    o.kver = "*";
    o.subdir = dir;
    o.kver_matches = true;
    o.where = SourceRef{"/etc/depmod.d/b.conf", line++};
    c.overrides.push_back(std::move(o));
  }
  return c;
}

std::string winner(const resolve::SelectResult& r, const std::vector<ScannedFile>& f) {
  return f[r.selections.at(0).winner].relpath;
}

TEST(Select, ElseIfQuirkLastFoundWinsAboveBuiltin) {
  std::vector<ScannedFile> f = {file("updates/a/m.ko", 0), file("updates/b/m.ko", 1)};
  auto r = resolve::select_winners(f, config({"updates"}), kDir);
  EXPECT_EQ(winner(r, f), "updates/b/m.ko");
  EXPECT_TRUE(r.selections[0].tie);
}

TEST(Select, BelowBuiltinFirstFoundWins) {
  auto c = config({"updates", "extra", "built-in", "weak-updates"});
  std::vector<ScannedFile> f = {file("weak-updates/b/m.ko", 0), file("weak-updates/a/m.ko", 1)};
  auto r = resolve::select_winners(f, c, kDir);
  EXPECT_EQ(winner(r, f), "weak-updates/b/m.ko");
  std::vector<ScannedFile> g = {file("extra/b/m.ko", 0), file("extra/a/m.ko", 1)};
  EXPECT_EQ(winner(resolve::select_winners(g, c, kDir), g), "extra/a/m.ko");
}

TEST(Select, BuiltinBeatsWeakUpdatesWithoutOverride) {
  auto c = config({"updates", "extra", "built-in", "weak-updates"});
  std::vector<ScannedFile> f = {file("weak-updates/m.ko", 0), file("kernel/x/m.ko", 1)};
  auto r = resolve::select_winners(f, c, kDir);
  EXPECT_EQ(winner(r, f), "kernel/x/m.ko");
  EXPECT_FALSE(r.selections[0].tie);
  ASSERT_EQ(r.selections[0].losers.size(), 1u);
  EXPECT_NE(r.selections[0].losers[0].reason.find("'built-in'"), std::string::npos);
  EXPECT_EQ(r.selections[0].losers[0].decision.where.line, 3u);
}

TEST(Select, LaterParsedOverrideWinsAndExactDirOnly) {
  auto c = config({"updates"}, {{"m", "weak-updates"}, {"m", "extra"}});
  std::vector<ScannedFile> f = {file("extra/m.ko", 0), file("weak-updates/m.ko", 1),
                                file("extra/sub/m.ko", 2)};
  auto r = resolve::select_winners(f, c, kDir);
  EXPECT_EQ(winner(r, f), "extra/m.ko");
  EXPECT_FALSE(r.selections[0].tie);
  const auto& losers = r.selections[0].losers;
  ASSERT_EQ(losers.size(), 2u);
  EXPECT_EQ(losers[0].decision.override_index, 1);
  // Only the later override ever decided: the earlier one is reported.
  bool never = false;
  for (const auto& p : r.problems)
    never |= p.kind == resolve::ProblemKind::kOverrideNeverDecided && p.where.line == 2;
  EXPECT_TRUE(never);
}

TEST(Select, OverrideComparesRawName) {
  auto c = config({"built-in"}, {{"foo_bar", "extra"}});
  std::vector<ScannedFile> f = {file("kernel/foo-bar.ko", 0), file("extra/foo-bar.ko", 1)};
  auto r = resolve::select_winners(f, c, kDir);
  EXPECT_EQ(winner(r, f), "kernel/foo-bar.ko");  // equal built-in prio: first found stays
  EXPECT_TRUE(r.selections[0].tie);
  bool nomatch = false;
  for (const auto& p : r.problems)
    nomatch |= p.kind == resolve::ProblemKind::kOverrideMatchesNoFile;
  EXPECT_TRUE(nomatch);
}

TEST(Select, TieOnlyAmongDfsPossibleOrders) {
  // updates/x/{m.ko,m.ko.xz} and extra/m.ko under "search updates": both updates files can win
  // depending on readdir order; the extra copy never can.
  std::vector<ScannedFile> f = {file("updates/x/m.ko", 0), file("extra/m.ko", 1),
                                file("updates/x/m.ko.xz", 2)};
  auto r = resolve::select_winners(f, config({"updates"}), kDir);
  EXPECT_EQ(winner(r, f), "updates/x/m.ko.xz");
  EXPECT_EQ(r.selections[0].tied.size(), 2u);
}

TEST(KmodOrder, HashIsDeterministicAndBucketed) {
  std::vector<std::string> names = {"ib_core", "pcspkr", "a", "ab", "abc", "abcd", "abcde"};
  std::vector<std::string_view> v(names.begin(), names.end());
  auto order = resolve::kmod_hash_iteration_order(v, 512);
  ASSERT_EQ(order.size(), names.size());
  for (size_t i = 1; i < order.size(); ++i)
    EXPECT_LE(resolve::kmod_hash_superfast(names[order[i - 1]]) & 511,
              resolve::kmod_hash_superfast(names[order[i]]) & 511);
  EXPECT_EQ(resolve::depmod_uncrelpath("kernel/a/foo-bar.ko.xz", 9, 7), "kernel/a/foo-bar.ko");
  EXPECT_EQ(resolve::depmod_uncrelpath("a.b.ko", 0, 1), "a.b.");
}

}  // namespace
