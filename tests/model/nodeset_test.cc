#include "model/nodeset.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "testdata.hpp"

namespace ofsck::model::nodeset {
namespace {

using Names = std::vector<std::string>;

std::vector<std::string> expand_ok(std::string_view set) {
  auto names_or = expand(set);
  EXPECT_TRUE(names_or.has_value()) << set << ": " << names_or.error().message;
  return names_or ? *names_or : std::vector<std::string>{};
}

std::string expand_error(std::string_view set, size_t cap = kMaxExpand) {
  auto names_or = expand(set, cap);
  EXPECT_FALSE(names_or.has_value()) << set << " expanded";
  return names_or ? std::string() : names_or.error().message;
}

// Expected strings below are what ClusterShell 1.9.1's `nodeset -f` / `nodeset -e` print.
TEST(NodeSetFold, RangesKeepPaddingAndGaps) {
  Names names;
  for (int i = 1; i <= 342; ++i) {
    if (i == 341) continue;
    char buf[16];
    snprintf(buf, sizeof buf, "node%03d", i);
    names.emplace_back(buf);
  }
  std::reverse(names.begin(), names.end());
  EXPECT_EQ(fold(names), "node[001-340,342]");
  EXPECT_EQ(fold(Names{"node3", "node1", "node2", "node2"}), "node[1-3]");
  EXPECT_EQ(fold(Names{"n7"}), "n7");
  EXPECT_EQ(fold(Names{}), "");
  EXPECT_EQ(fold(Names{"", "a"}), "a");
}

TEST(NodeSetFold, MixedPaddingFollowsClusterShellOrder) {
  // Shorter digit strings first; a run keeps its first member's padding.
  EXPECT_EQ(fold(Names{"node1", "node01", "node2", "node10", "node9", "node05"}),
            "node[1-2,9,01,05,10]");
  EXPECT_EQ(fold(Names{"n99", "n100", "n09", "n08", "n010", "n00", "n0", "n000"}),
            "n[0,00,08-09,99,000,010,100]");
  EXPECT_EQ(fold(Names{"n9", "n10", "n08", "n09"}), "n[9,08-10]");
  EXPECT_EQ(fold(Names{"n98", "n99", "n100", "n101"}), "n[98-101]");
  EXPECT_EQ(fold(Names{"n098", "n099", "n100", "n101"}), "n[098-101]");
  EXPECT_EQ(fold(Names{"n98", "n99", "n0100"}), "n[98-99,0100]");
}

TEST(NodeSetFold, SeveralDimensions) {
  Names names;
  for (const char* r : {"2", "1"}) {
    for (const char* n : {"01", "02", "03", "04"})
      names.push_back(std::string("rack") + r + "-node" + n);
  }
  EXPECT_EQ(fold(names), "rack[1-2]-node[01-04]");
  EXPECT_EQ(fold(Names{"a1b1", "a1b2", "a2b1", "a2b2", "a3b3"}), "a[1-2]b[1-2],a3b3");
  EXPECT_EQ(fold(Names{"a1b1", "a1b1"}), "a1b1");
  EXPECT_EQ(fold(Names{"a1b1", "a1b1", "a1b2"}), "a1b[1-2]");
  EXPECT_EQ(fold(Names{"c1-ib0", "c2-ib0", "c3-ib1"}), "c[1-2]-ib0,c3-ib1");
}

TEST(NodeSetFold, PatternsSortAsClusterShellKeys) {
  // Keys are "a%s", "a%sb", "a%s%%": '%' (0x25) sorts before letters and digits.
  EXPECT_EQ(fold(Names{"zeta", "a1b", "a2%", "a1", "login", "a2", "a1%", "B"}),
            "B,a[1-2],a[1-2]%,a1b,login,zeta");
  EXPECT_EQ(fold(Names{"1", "2", "x"}), "[1-2],x");
}

TEST(NodeSetFold, LongNumbers) {
  EXPECT_EQ(
      fold(Names{"n123456789012345678901", "n123456789012345678902", "n99999999999999999999",
                 "n100000000000000000000"}),
      "n[99999999999999999999-100000000000000000000,123456789012345678901-123456789012345678902]");
}

TEST(NodeSetExpand, InverseOfFold) {
  EXPECT_EQ(expand_ok("node[1-3,05]"), (Names{"node1", "node2", "node3", "node05"}));
  EXPECT_EQ(expand_ok(" rack[1-2]-node[01-02] , login "),
            (Names{"login", "rack1-node01", "rack1-node02", "rack2-node01", "rack2-node02"}));
  EXPECT_EQ(expand_ok("n[1-10/3],n[01-03]"), (Names{"n1", "n4", "n7", "n01", "n02", "n03", "n10"}));
  EXPECT_EQ(expand_ok("n[ 1 - 2 ]"), (Names{"n1", "n2"}));
  EXPECT_EQ(expand_ok("n[8-10],n[08-10],[1-2]"),
            (Names{"1", "2", "n8", "n9", "n08", "n09", "n10"}));
  EXPECT_EQ(expand_ok(""), Names{});
  EXPECT_EQ(expand_ok("a[1-2]b[1-2],a3b3"), (Names{"a1b1", "a1b2", "a2b1", "a2b2", "a3b3"}));
  // In the order of the folded vectors, as nodeset -e iterates them (RangeSetND's merge).
  EXPECT_EQ(expand_ok("a[2-3]b[1-2],a1b1"), (Names{"a1b1", "a2b1", "a3b1", "a3b2", "a2b2"}));
  EXPECT_EQ(fold(Names{"a2b1", "a2b2", "a3b1", "a3b2", "a1b1"}), "a[1-2]b1,a3b[1-2],a2b2");
}

TEST(NodeSetExpand, LongIndexes) {
  // Found by fuzz/nodeset_fuzz: fold() writes indexes of any length, expand() reads them back.
  EXPECT_EQ(expand_ok("n[1-2,111111111111111111111111]"),
            (Names{"n1", "n2", "n111111111111111111111111"}));
  EXPECT_EQ(expand_ok("n[99999999999999999999-100000000000000000001]"),
            (Names{"n99999999999999999999", "n100000000000000000000", "n100000000000000000001"}));
  EXPECT_EQ(expand_ok("n[0099999999999999999999-0100000000000000000000]"),
            (Names{"n0099999999999999999999", "n0100000000000000000000"}));
  EXPECT_EQ(expand("n[1-100000000000000000000]", 50).error().code, ErrorCode::kTooLarge);
}

TEST(NodeSetExpand, MalformedInputIsAnErrorNamingIt) {
  EXPECT_NE(expand_error("node[1-3").find("missing ']'"), std::string::npos);
  EXPECT_NE(expand_error("node1-3]").find("']' without '['"), std::string::npos);
  EXPECT_NE(expand_error("n[1[2]]").find("nested '['"), std::string::npos);
  EXPECT_NE(expand_error("n[5-3]").find("reversed range"), std::string::npos);
  EXPECT_NE(expand_error("n[1-010]").find("padding length mismatch"), std::string::npos);
  EXPECT_NE(expand_error("n[01-100]").find("padding length mismatch"), std::string::npos);
  EXPECT_NE(expand_error("n[]").find("empty range"), std::string::npos);
  EXPECT_NE(expand_error("n[1,]").find("empty range"), std::string::npos);
  EXPECT_NE(expand_error("n[a-b]").find("not a number"), std::string::npos);
  EXPECT_NE(expand_error("n[1-5/0]").find("step 0"), std::string::npos);
  EXPECT_NE(expand_error("n[5/2]").find("step without a range"), std::string::npos);
  EXPECT_NE(expand_error("a,,b").find("empty element"), std::string::npos);
  EXPECT_NE(expand_error("a,").find("empty element"), std::string::npos);
  EXPECT_NE(expand_error("n[1][2]").find("'[' right after ']'"), std::string::npos);
  EXPECT_NE(expand_error("n1[0-2]").find("not supported"), std::string::npos);
  EXPECT_NE(expand_error("n[-5]").find("negative"), std::string::npos);
  EXPECT_NE(expand_error("a!b").find("operator"), std::string::npos);
  EXPECT_NE(expand_error("@rack1").find("groups"), std::string::npos);
  EXPECT_NE(expand_error("n*").find("wildcards"), std::string::npos);
  EXPECT_NE(expand_error("n[1-" + std::string(101, '9') + "]").find("100 digits"),
            std::string::npos);
  EXPECT_NE(expand_error("n" + std::string(101, '7')).find("100 digits"), std::string::npos);
  EXPECT_NE(expand_error("n[1-12345678901234567890/2]").find("18 digits"), std::string::npos);
  EXPECT_NE(expand_error("n[12345678901234567891-12345678901234567890]").find("reversed"),
            std::string::npos);
}

TEST(NodeSetExpand, HugeSetsHitTheCap) {
  auto e = expand("n[0-999999999999999999]");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::kTooLarge);
  e = expand("a[1-1000]b[1-1000]c[1-1000]");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(expand_error("n[1-10],m[1-10]", 15).find("node set"), 0u);
  EXPECT_EQ(expand("n[1-10],m[1-5]", 15)->size(), 15u);
}

// ---- oracle: ClusterShell's own nodeset on generated name sets ----

std::string padded(int pad, uint64_t v) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < pad) s.insert(0, pad - s.size(), '0');
  return s;
}

struct Family {
  std::vector<std::string> literals;  // dims + 1
  std::vector<int> pads;
  std::vector<uint64_t> lo, span;
};

Family make_family(std::mt19937& rng) {
  static const char* kLits[] = {"node", "n", "rack", "-node", "c",  "-ib",
                                "gpu",  "x", "",     "-",     ".p", "%"};
  Family f;
  int dims = static_cast<int>(rng() % 4);  // 0..3; 0 = a name without digits
  if (dims == 0 && rng() % 2) dims = 1;
  for (int d = 0; d <= dims; ++d) {
    std::string lit = kLits[rng() % std::size(kLits)];
    if (d == 0 && lit.empty()) lit = "h";
    if (d > 0 && d < dims && lit.empty()) lit = "-";
    f.literals.push_back(lit);
  }
  for (int d = 0; d < dims; ++d) {
    f.pads.push_back(rng() % 3 == 0 ? 0 : static_cast<int>(rng() % 5));
    f.lo.push_back(rng() % 4 == 0 ? rng() % 1000 : rng() % 3);
    f.span.push_back(d + 1 == dims ? 1 + rng() % 400 : 1 + rng() % 6);
  }
  return f;
}

Names generate(std::mt19937& rng) {
  size_t want = rng() % 3 == 0 ? 1 + rng() % 10 : (rng() % 2 ? 1 + rng() % 200 : 1 + rng() % 2000);
  std::vector<Family> fams;
  for (size_t k = 1 + rng() % 3; k > 0; --k) fams.push_back(make_family(rng));
  double density = 0.3 + 0.7 * (rng() % 100) / 100.0;
  Names names;
  for (size_t tries = 0; names.size() < want && tries < want * 20; ++tries) {
    const Family& f = fams[rng() % fams.size()];
    std::string name = f.literals[0];
    bool keep = true;
    for (size_t d = 0; d < f.pads.size(); ++d) {
      uint64_t v = f.lo[d] + rng() % f.span[d];
      if (d + 1 == f.pads.size() && (rng() % 1000) / 1000.0 > density) keep = false;
      int pad = f.pads[d];
      if (rng() % 20 == 0) pad = static_cast<int>(rng() % 4);  // node1 next to node01
      name += padded(pad, v) + f.literals[d + 1];
    }
    if (keep) names.push_back(name);
    if (keep && rng() % 10 == 0) names.push_back(name);  // duplicates
  }
  std::shuffle(names.begin(), names.end(), rng);
  return names;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(NodeSetOracle, FoldAndExpandMatchClusterShellNodeset) {
  OFSCK_REQUIRE_DATA("/usr/bin/nodeset");
  // OFSCK_NODESET_CASES / OFSCK_NODESET_SEED explore further by hand; the default (30 sets) takes
  // ~40 s under ASan.
  int cases = getenv("OFSCK_NODESET_CASES") ? atoi(getenv("OFSCK_NODESET_CASES")) : 30;
  unsigned seed = getenv("OFSCK_NODESET_SEED") ? atoi(getenv("OFSCK_NODESET_SEED")) : 20261207;
  std::string dir = testdata::make_temp_dir("nodeset");
  std::vector<Names> sets;
  std::mt19937 rng(seed);
  for (int c = 0; c < cases; ++c) {
    sets.push_back(generate(rng));
    std::ofstream out(dir + "/" + std::to_string(c) + ".in");
    for (const std::string& n : sets.back()) out << n << '\n';
  }
  // One nodeset per case and mode, two at a time (python start-up dominates).
  int status = 0;
  testdata::run("cd " + dir +
                    " && ls *.in | xargs -P2 -I{} sh -c "
                    "'nodeset -f < {} > {}.f && nodeset -e < {} > {}.e' 2>&1",
                &status);
  ASSERT_EQ(status, 0);
  size_t names_total = 0;
  for (int c = 0; c < cases; ++c) {
    const Names& names = sets[c];
    names_total += names.size();
    std::string base = dir + "/" + std::to_string(c) + ".in";
    std::string want_fold = testdata::run("cat " + base + ".f");
    std::string got = fold(names);
    ASSERT_EQ(got + "\n", want_fold) << "case " << c << " (" << base << ")";
    std::vector<std::string> want_expand = words(testdata::run("cat " + base + ".e"));
    auto expanded_or = expand(got);
    ASSERT_TRUE(expanded_or.has_value()) << got << ": " << expanded_or.error().message;
    ASSERT_EQ(*expanded_or, want_expand) << "case " << c << " fold " << got;
    Names unique = names;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    Names sorted_expanded = *expanded_or;
    std::sort(sorted_expanded.begin(), sorted_expanded.end());
    ASSERT_EQ(sorted_expanded, unique) << "case " << c;
  }
  std::printf("nodeset oracle: %d cases, %zu names\n", cases, names_total);
  testdata::run("rm -rf " + dir);
}

TEST(NodeSetSpeed, FoldTenThousandNames) {
  Names names;
  for (int r = 1; r <= 40; ++r) {
    for (int n = 1; n <= 250; ++n) {
      if ((r * 7 + n) % 53 == 0) continue;  // ~2% gaps: a multi-dimensional merge
      names.push_back("r" + std::to_string(r) + "n" + padded(3, n));
    }
  }
  Names flat;
  for (int n = 1; n <= 10000; ++n) {
    if (n % 97 != 0) flat.push_back("node" + padded(5, n));
  }
  Names scattered;  // three dimensions, half of the points: RangeSetND's worst merges
  std::mt19937 rng(7);
  for (int a = 0; a < 22; ++a) {
    for (int b = 0; b < 22; ++b) {
      for (int c = 0; c < 22; ++c) {
        if (rng() % 2)
          scattered.push_back("a" + std::to_string(a) + "b" + std::to_string(b) + "c" +
                              std::to_string(c));
      }
    }
  }
  for (const Names* set : {&names, &flat, &scattered}) {
    auto t0 = std::chrono::steady_clock::now();
    std::string folded = fold(*set);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("fold of %zu names: %.4f s (%zu bytes)\n", set->size(), secs, folded.size());
    EXPECT_EQ(expand(folded)->size(), set->size());
  }
}

}  // namespace
}  // namespace ofsck::model::nodeset
