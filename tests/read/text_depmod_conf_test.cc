#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "read/text/config_files.hpp"
#include "read/text/depmod_conf.hpp"
#include "text_test_util.hpp"

namespace ofsck::read {
namespace {

using text_test::TempRoot;
using text_test::write_file;

model::DepmodConfig parse(const std::string& text, const std::string& kver = "6.1.0-47-amd64") {
  model::DepmodConfig cfg;
  model::ConfigFile f;
  f.path = f.display_path = "/etc/depmod.d/t.conf";
  parse_depmod_conf(text, f, kver, cfg);
  return cfg;
}

std::vector<std::string> kmod_messages(const model::DepmodConfig& c) {
  std::vector<std::string> out;
  for (const auto& p : c.problems)
    if (!p.kmod_message.empty()) out.push_back(p.kmod_message);
  return out;
}

TEST(DepmodConf, SearchAccumulatesInParseOrder) {
  auto c = parse("search updates extra\nsearch built-in external\n");
  ASSERT_EQ(c.search.size(), 4u);
  EXPECT_EQ(c.search[0].entry, "updates");
  EXPECT_EQ(c.search[3].entry, "external");
  EXPECT_EQ(c.search[2].where.line, 2u);
  EXPECT_TRUE(c.problems.empty());
}

TEST(DepmodConf, ContinuationJoinsWithoutSpace) {
  auto c = parse("search up\\\ndates extra\n");
  ASSERT_EQ(c.search.size(), 2u);
  EXPECT_EQ(c.search[0].entry, "updates");
  auto d = parse("search updates \\\n  extra\nbogus\n");
  ASSERT_EQ(d.search.size(), 2u);
  EXPECT_EQ(d.search[1].entry, "extra");
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].where.line, 3u);
}

TEST(DepmodConf, HashNotAtColumnZeroIsBadCommand) {
  auto c = parse("# a comment\n  # indented\n\t#tab\n");
  EXPECT_EQ(
      kmod_messages(c),
      (std::vector<std::string>{"/etc/depmod.d/t.conf:2: ignoring bad line starting with '#'",
                                "/etc/depmod.d/t.conf:3: ignoring bad line starting with '#tab'"}));
  EXPECT_EQ(c.problems[0].kind, "bad-line");
}

TEST(DepmodConf, InlineHashIsAToken) {
  auto c = parse("search a # b\n");
  ASSERT_EQ(c.search.size(), 3u);
  EXPECT_EQ(c.search[1].entry, "#");
  EXPECT_EQ(c.search[2].entry, "b");
}

TEST(DepmodConf, BlankAndWhitespaceOnlyLinesAreSilent) {
  auto c = parse("\n   \n\t\n");
  EXPECT_TRUE(c.problems.empty());
}

TEST(DepmodConf, OverrideKverStarAndRegex) {
  auto c = parse("override mlx5-core * weak-updates/mlnx\n"
                 "override a 6\\.1 updates\n"
                 "override b ^6\\.1$ updates\n"
                 "override c ^5\\. updates\n",
                 "6.10.3-amd64");
  ASSERT_EQ(c.overrides.size(), 4u);
  EXPECT_EQ(c.overrides[0].modname, "mlx5-core");  // raw, not underscored
  EXPECT_EQ(c.overrides[0].subdir, "weak-updates/mlnx");
  EXPECT_TRUE(c.overrides[0].kver_matches);
  EXPECT_TRUE(c.overrides[1].kver_matches);  // unanchored: 6\.1 matches 6.10
  EXPECT_FALSE(c.overrides[2].kver_matches);
  EXPECT_FALSE(c.overrides[3].kver_matches);
  EXPECT_TRUE(c.problems.empty());  // non-matching is INFO only in kmod
}

TEST(DepmodConf, OverrideBadRegexNeverMatches) {
  auto c = parse("override a 6.( updates\n");
  ASSERT_EQ(c.overrides.size(), 1u);
  EXPECT_FALSE(c.overrides[0].kver_matches);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].kind, "bad-regex");
  EXPECT_TRUE(c.problems[0].kmod_message.empty());
}

TEST(DepmodConf, MissingArgumentsAreBadLines) {
  auto c = parse("override a *\noverride\nexternal *\nexternal\n");
  EXPECT_TRUE(c.overrides.empty());
  EXPECT_TRUE(c.externals.empty());
  EXPECT_EQ(kmod_messages(c),
            (std::vector<std::string>{
                "/etc/depmod.d/t.conf:1: ignoring bad line starting with 'override'",
                "/etc/depmod.d/t.conf:2: ignoring bad line starting with 'override'",
                "/etc/depmod.d/t.conf:3: ignoring bad line starting with 'external'",
                "/etc/depmod.d/t.conf:4: ignoring bad line starting with 'external'"}));
}

TEST(DepmodConf, ExternalAndExclude) {
  auto c = parse("external * /opt/ofed/modules\nexternal ^5 /x\nexclude misc build2\n");
  ASSERT_EQ(c.externals.size(), 2u);
  EXPECT_EQ(c.externals[0].dir, "/opt/ofed/modules");
  EXPECT_TRUE(c.externals[0].kver_matches);
  EXPECT_FALSE(c.externals[1].kver_matches);
  ASSERT_EQ(c.excludes.size(), 2u);
  EXPECT_EQ(c.excludes[1].name, "build2");
}

TEST(DepmodConf, IncludeAndMakeMapFilesAcceptedIgnored) {
  auto c = parse("include /etc/foo\nmake_map_files\n");
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].kind, "ignored-command");
  EXPECT_TRUE(kmod_messages(c).empty());
}

TEST(DepmodConf, ContinuedBadLineReportsKmodLastLine) {
  auto c = parse("bogus a \\\nb\n");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].where.line, 1u);
  EXPECT_EQ(c.problems[0].kmod_message,
            "/etc/depmod.d/t.conf:2: ignoring bad line starting with 'bogus'");
}

TEST(DepmodConf, NulAndBinaryGarbage) {
  auto c = parse(std::string("search a\0b c\n\xff\xfe\x01 x\n", 16));
  ASSERT_EQ(c.search.size(), 1u);
  EXPECT_EQ(c.search[0].entry, "a");
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].kind, "nul-byte");
  EXPECT_EQ(c.problems[1].kind, "bad-line");
}

TEST(DepmodConf, LoadDefaultsSearchWhenNoSearchEntry) {
  TempRoot r;
  write_file(r.path, "etc/depmod.d/a.conf", "search\noverride x * extra\n");
  DepmodLoadOptions o;
  o.root = r.path;
  o.kver = "6.1.0";
  auto c = load_depmod_config(o);
  EXPECT_TRUE(c.search_defaulted);  // a bare "search" adds nothing
  ASSERT_EQ(c.search.size(), 1u);
  EXPECT_EQ(c.search[0].entry, "updates");
  ASSERT_EQ(c.files.size(), 1u);
  EXPECT_EQ(c.files[0].display_path, "/etc/depmod.d/a.conf");
  EXPECT_EQ(c.files[0].path, r.path + "/etc/depmod.d/a.conf");
  EXPECT_EQ(c.overrides[0].where.path, "/etc/depmod.d/a.conf");
}

TEST(DepmodConf, LoadParsesFilesInBasenameOrderAcrossDirs) {
  TempRoot r;
  write_file(r.path, "lib/depmod.d/a.conf", "search from-lib-a\n");
  write_file(r.path, "etc/depmod.d/b.conf", "search from-etc-b\n");
  write_file(r.path, "lib/depmod.d/b.conf", "search from-lib-b\n");
  write_file(r.path, "run/depmod.d/c.conf", "search from-run-c\n");
  DepmodLoadOptions o;
  o.root = r.path;
  auto c = load_depmod_config(o);
  EXPECT_FALSE(c.search_defaulted);
  ASSERT_EQ(c.search.size(), 3u);
  EXPECT_EQ(c.search[0].entry, "from-lib-a");
  EXPECT_EQ(c.search[1].entry, "from-etc-b");
  EXPECT_EQ(c.search[2].entry, "from-run-c");
  ASSERT_EQ(c.files.size(), 3u);
  EXPECT_EQ(c.files[1].shadowed, std::vector<std::string>{"/lib/depmod.d/b.conf"});
}

TEST(DepmodConf, UnreadableFileIsAProblemNamingTheFile) {
  TempRoot r;
  write_file(r.path, "etc/depmod.d/ok.conf", "search x\n");
  std::filesystem::create_directories(r.path + "/lib/depmod.d");
  std::filesystem::create_symlink("/nonexistent/target.conf", r.path + "/lib/depmod.d/dead.conf");
  DepmodLoadOptions o;
  o.root = r.path;
  auto c = load_depmod_config(o);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].kind, "unreadable");
  EXPECT_EQ(c.problems[0].where.path, "/lib/depmod.d/dead.conf");
  EXPECT_EQ(c.problems[0].kmod_message,
            "file parse /lib/depmod.d/dead.conf: No such file or directory");
}

// Oracle: depmod 30 prints the same ERROR lines for the same config (-C is not re-rooted by -b).
TEST(DepmodConf, MatchesDepmodErrorOutput) {
  if (!testdata::exists("/usr/sbin/depmod") && !testdata::exists("/sbin/depmod"))
    GTEST_SKIP() << "depmod not installed";
  TempRoot r;
  std::string kver = "6.1.0-47-amd64";
  std::filesystem::create_directories(r.path + "/lib/modules/" + kver);
  std::string text = "search a \\\n b\n  # x\nbogus 1\noverride foo\nexternal 6\n\nsearch a # b\n"
                     "override x\\\n y\nexclude\ninclude z\n\tsoftdep a\n";
  write_file(r.path, "c/a.conf", text);
  write_file(r.path, "c/b.conf", "wat\n");
  std::string out = testdata::run("depmod -b " + r.path + " -C " + r.path + "/c " + kver +
                                  " 2>&1 >/dev/null | grep 'ignoring bad line'");
  std::vector<std::string> expected;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) expected.push_back(line);
  DepmodLoadOptions o;
  o.paths = {r.path + "/c"};
  o.kver = kver;
  auto c = load_depmod_config(o);
  std::vector<std::string> ours;
  for (const std::string& m : kmod_messages(c)) ours.push_back("depmod: ERROR: " + m);
  EXPECT_EQ(ours, expected);
  EXPECT_EQ(expected.size(), 7u);
}

// ---- kernel patterns: glibc's answers, within a budget -------------------------------------

struct PatternCase {
  const char* pattern;
  KverMatch expected;
};

/// Release used by the pattern table (a real Debian cloud kernel).
constexpr const char* kPatternKver = "6.1.0-54-cloud-amd64";

const std::vector<PatternCase>& pattern_cases() {
  static const std::vector<PatternCase> v = {
      {"*", KverMatch::kMatch},
      {"6.1.0-54-cloud-amd64", KverMatch::kMatch},
      {"6\\.1\\.", KverMatch::kMatch},
      {"^6\\.1\\.0-54-cloud-amd64$", KverMatch::kMatch},
      {"^6\\.1$", KverMatch::kNoMatch},
      {"cloud", KverMatch::kMatch},  // unanchored: a match anywhere
      {"^5\\.", KverMatch::kNoMatch},
      {"6\\.(1|2)\\.", KverMatch::kMatch},
      {"6\\.1|7\\.0", KverMatch::kMatch},
      {"[0-9]+\\.[0-9]+", KverMatch::kMatch},
      {"[[:digit:]]{1,3}-cloud", KverMatch::kMatch},
      {"[.]1", KverMatch::kMatch},
      {"[^[:alnum:].-]", KverMatch::kNoMatch},
      {"-amd64$", KverMatch::kMatch},
      {"-rt-", KverMatch::kNoMatch},
      {"\\w+-cloud", KverMatch::kMatch},  // GNU operators are on in glibc's ERE
      {"\\<cloud\\>", KverMatch::kMatch},
      {"(-)[a-z]+\\1", KverMatch::kMatch},  // one back-reference is within the budget
      {"a**", KverMatch::kMatch},           // matches the empty string
      {"6.1.0-54-cloud-amd64+", KverMatch::kMatch},
      {"x{0,800}", KverMatch::kMatch},
      {"(", KverMatch::kBadRegex},
      {"6.(", KverMatch::kBadRegex},
      {"a{2,1}", KverMatch::kBadRegex},
      {"[z-a]", KverMatch::kBadRegex},
      {"x{32768}", KverMatch::kBadRegex},  // over RE_DUP_MAX
      {"[[:nope:]]", KverMatch::kBadRegex},
      {"6\\", KverMatch::kBadRegex},
      {"*6", KverMatch::kBadRegex},
      // Over the budget: glibc would build 2^29 nodes, or ~0.8 GB of closure tables, or
      // backtrack for seconds.
      {"6.1.0-54-cloud-amd64+++++++++++++++++++++++++++++", KverMatch::kTooComplex},
      {"x{0,10000}", KverMatch::kTooComplex},
      {"x{0,1000}", KverMatch::kTooComplex},
      {"((x{100}){100}){100}", KverMatch::kTooComplex},
      {"(.*)(.*)(.*)(.*)(.*)\\5\\4\\3\\2\\1x", KverMatch::kTooComplex},
      {"(.)\\1{50}", KverMatch::kTooComplex},
  };
  return v;
}

std::string match_name(KverMatch m) {
  switch (m) {
    case KverMatch::kMatch: return "match";
    case KverMatch::kNoMatch: return "no match";
    case KverMatch::kBadRegex: return "bad regex";
    case KverMatch::kTooComplex: return "too complex";
  }
  return "?";
}

TEST(DepmodConf, KernelPatternTable) {
  for (const PatternCase& c : pattern_cases()) {
    SCOPED_TRACE(c.pattern);
    EXPECT_EQ(match_name(depmod_kver_match(c.pattern, kPatternKver)), match_name(c.expected));
  }
}

// The fuzz finding of issue 7 (3.k): one line drove `ofsck depmod` to the 4 GB address-space
// cap in glibc's regcomp(). It is decided at once now, and reported as the bad line it is.
TEST(DepmodConf, StackedRepetitionIsRefusedQuicklyAndReported) {
  auto t0 = std::chrono::steady_clock::now();
  auto c = parse("override ib_core 6.1.0-54-cloud-amd64+++++++++++++++++++++++++++++ updates\n"
                 "external x{0,20000}{0,20000} /opt/ext\n",
                 kPatternKver);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 1.0);
  ASSERT_EQ(c.overrides.size(), 1u);
  ASSERT_EQ(c.externals.size(), 1u);
  EXPECT_FALSE(c.overrides[0].kver_matches);
  EXPECT_FALSE(c.externals[0].kver_matches);
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].kind, "regex-too-complex");
  EXPECT_EQ(c.problems[0].where.line, 1u);
  EXPECT_NE(c.problems[0].message.find("regex nodes (stacked repetition"), std::string::npos)
      << c.problems[0].message;
  // 2^29 copies of the release string's last character's tree
  EXPECT_GE(estimate_ere_cost("6.1.0-54-cloud-amd64+++++++++++++++++++++++++++++").nodes,
            uint64_t{1} << 29);
  EXPECT_EQ(c.problems[1].kind, "regex-too-complex");
  EXPECT_EQ(c.problems[1].where.line, 2u);
}

TEST(DepmodConf, EreCostFollowsGlibcExpansion) {
  EXPECT_LE(estimate_ere_cost("6\\.1\\..*-amd64").nodes, 64u);
  // x x* (2 copies of the 3-node atom bound, each with its CONCAT/STAR), the branch's node,
  // and CONCAT(tree, END_OF_RE).
  EXPECT_EQ(estimate_ere_cost("x+").nodes, 2u * (3 + 2) + 1 + 2);
  EXPECT_GT(estimate_ere_cost("x++++++++++++++++++++").nodes, uint64_t{1} << 20);
  EXPECT_EQ(estimate_ere_cost("(((x)))").max_depth, 3u);
  // Stacked operators: few nodes but an exponential epsilon closure in glibc (the fuzzer's
  // "++++????????????????++++" took over 10 s); "x+?" as real patterns write it is fine.
  EXPECT_EQ(estimate_ere_cost("x+?").max_stacked, 2u);
  EXPECT_TRUE(ere_within_budget(estimate_ere_cost("6\\.1\\..*?-amd64")));
  EXPECT_FALSE(ere_within_budget(estimate_ere_cost("emd64++++????????????????++++l")));
  EXPECT_FALSE(ere_within_budget(estimate_ere_cost("x????????????????")));
  EXPECT_GT(estimate_ere_cost(std::string(300, '(')).max_depth, kEreMaxDepth);
  EXPECT_EQ(estimate_ere_cost("(a)\\1\\1").backrefs, 2u);
  // A '+' inside a bracket is a literal, and a bracket ends where glibc ends it.
  EXPECT_LE(estimate_ere_cost("[]+++++++++++++++++++++++++++]").nodes, 8u);
  EXPECT_LE(estimate_ere_cost("[[:alpha:]+++++++++++++++++++++++]").nodes, 8u);
  EXPECT_GT(estimate_ere_cost("[[:alpha:]]+++++++++++++++++++++++").nodes, uint64_t{1} << 20);
  // Counts glibc rejects (REG_ESIZE, REG_BADBR) end the parse.
  EXPECT_LE(estimate_ere_cost("x{40000}").nodes, 8u);
  EXPECT_LE(estimate_ere_cost("x{3,2}{30000}{30000}").nodes, 8u);
}

// Every pattern glibc accepts within the budget gives depmod's own answer: with
// `search extra built-in`, kmod 30's depmod picks kernel/t.ko over extra/t.ko exactly when
// `override t PATTERN kernel` matches. The modules are empty files: depmod lists a module it
// cannot parse all the same.
TEST(DepmodConf, KernelPatternTableMatchesRealDepmod) {
  OFSCK_REQUIRE_DATA("/sbin/depmod");
  TempRoot r;
  const std::string kver = kPatternKver;
  write_file(r.path, "lib/modules/" + kver + "/kernel/t.ko", "");
  write_file(r.path, "lib/modules/" + kver + "/extra/t.ko", "");
  int compared = 0;
  for (const PatternCase& c : pattern_cases()) {
    if (c.expected == KverMatch::kTooComplex) continue;  // depmod itself would run out of memory
    SCOPED_TRACE(c.pattern);
    write_file(r.path, "c/a.conf",
               std::string("search extra built-in\noverride t ") + c.pattern + " kernel\n");
    std::string out = testdata::run("depmod -b " + r.path + " -C " + r.path + "/c -n " + kver +
                                    " 2>/dev/null | grep -c '^kernel/t.ko:'");
    bool depmod_match = out.starts_with("1");
    auto cfg = parse(std::string("override t ") + c.pattern + " kernel\n", kver);
    ASSERT_EQ(cfg.overrides.size(), 1u);
    EXPECT_EQ(cfg.overrides[0].kver_matches, depmod_match);
    ++compared;
  }
  EXPECT_GE(compared, 25);
}

}  // namespace
}  // namespace ofsck::read

namespace ofsck::read {
namespace {

TEST(DepmodConf, SourceRefsCarryTheirPhysicalLine) {
  // The text is the first physical line as in the file (report/ shows it without reopening
  // the file): a continued line keeps its backslash, a problem line its raw bytes.
  auto c = parse("# c\nsearch \\\nupdates\nexclude x\r\nwrongcmd\xff\n");
  ASSERT_EQ(c.search.size(), 1u);
  EXPECT_EQ(c.search[0].where.line, 2u);
  EXPECT_EQ(c.search[0].where.text, "search \\");
  ASSERT_EQ(c.excludes.size(), 1u);
  EXPECT_EQ(c.excludes[0].where.text, "exclude x\r");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].where.line, 5u);
  EXPECT_EQ(c.problems[0].where.text, "wrongcmd\xff");
}

}  // namespace
}  // namespace ofsck::read
