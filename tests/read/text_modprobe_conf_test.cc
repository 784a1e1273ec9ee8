#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "read/text/kcmdline.hpp"
#include "read/text/modprobe_conf.hpp"
#include "text_test_util.hpp"

namespace ofsck::read {
namespace {

using text_test::TempRoot;
using text_test::write_file;

model::ModprobeConfig parse(const std::string& text, int kmod_version = 30) {
  model::ModprobeConfig cfg;
  model::ConfigFile f;
  f.path = f.display_path = "/etc/modprobe.d/t.conf";
  parse_modprobe_conf(text, f, cfg, kmod_version);
  return cfg;
}

TEST(ModprobeConf, AliasBlacklistNormalised) {
  auto c = parse("alias my-alias foo-bar extra\nalias pci:v[0-9]*d-x baz\nblacklist snd-pcm\n");
  ASSERT_EQ(c.aliases.size(), 2u);
  EXPECT_EQ(c.aliases[0].pattern, "my_alias");
  EXPECT_EQ(c.aliases[0].modname, "foo_bar");
  EXPECT_EQ(c.aliases[1].pattern, "pci:v[0-9]*d_x");  // '-' inside [...] kept
  ASSERT_EQ(c.blacklist.size(), 1u);
  EXPECT_EQ(c.blacklist[0].modname, "snd_pcm");
  EXPECT_TRUE(c.problems.empty());
}

TEST(ModprobeConf, BadLinesUseLibkmodWording) {
  auto c = parse("alias onlyone\nblacklist\nalias a] b\noptions foo\noptions foo \nfrob x\n"
                 "  # indented\ninclude /x\nconfig y\n");
  std::vector<std::string> msgs;
  for (const auto& p : c.problems) msgs.push_back(p.kmod_message);
  EXPECT_EQ(msgs,
            (std::vector<std::string>{
                "/etc/modprobe.d/t.conf line 1: ignoring bad line starting with 'alias'",
                "/etc/modprobe.d/t.conf line 2: ignoring bad line starting with 'blacklist'",
                "/etc/modprobe.d/t.conf line 3: ignoring bad line starting with 'alias'",
                "/etc/modprobe.d/t.conf line 4: ignoring bad line starting with 'options'",
                "/etc/modprobe.d/t.conf line 5: ignoring bad line starting with 'options'",
                "/etc/modprobe.d/t.conf line 6: ignoring bad line starting with 'frob'",
                "/etc/modprobe.d/t.conf line 7: ignoring bad line starting with '#'",
                "/etc/modprobe.d/t.conf: command include is deprecated and not parsed anymore",
                "/etc/modprobe.d/t.conf: command config is deprecated and not parsed anymore"}));
}

TEST(ModprobeConf, OptionsAndCommandsKeepRestOfLine) {
  auto c = parse("options ab-c  x=1\ty=2 # not a comment\n"
                 "install foo-bar /sbin/modprobe --ignore-install foo-bar\t$CMDLINE_OPTS\n"
                 "remove foo /bin/false\n");
  ASSERT_EQ(c.options.size(), 1u);
  EXPECT_EQ(c.options[0].modname, "ab_c");
  EXPECT_EQ(c.options[0].options, " x=1 y=2 # not a comment");  // extra blank and tab→space
  ASSERT_EQ(c.install.size(), 1u);
  EXPECT_EQ(c.install[0].modname, "foo_bar");
  EXPECT_EQ(c.install[0].command, "/sbin/modprobe --ignore-install foo-bar\t$CMDLINE_OPTS");
  ASSERT_EQ(c.remove.size(), 1u);
}

TEST(ModprobeConf, SoftdepPrePostAndQuirks) {
  auto c = parse("softdep m-1 pre: a-b c post: d\n"
                 "softdep m2  pre: z\n"   // one extra blank: kmod sees " pre:" → nothing
                 "softdep m3   pre: q\n"  // two extra blanks: fine again
                 "softdep m4 x pre: p post:\n"
                 "softdep m5 pre:a\n");
  ASSERT_EQ(c.softdeps.size(), 5u);
  EXPECT_EQ(c.softdeps[0].modname, "m_1");
  EXPECT_EQ(c.softdeps[0].pre, (std::vector<std::string>{"a-b", "c"}));  // not underscored
  EXPECT_EQ(c.softdeps[0].post, std::vector<std::string>{"d"});
  EXPECT_TRUE(c.softdeps[1].pre.empty());
  EXPECT_TRUE(c.softdeps[1].post.empty());
  EXPECT_EQ(c.softdeps[2].pre, std::vector<std::string>{"q"});
  EXPECT_EQ(c.softdeps[3].pre, std::vector<std::string>{"p"});
  EXPECT_TRUE(c.softdeps[4].pre.empty());  // "pre:a" is one word before any pre:
  int ignored = 0;
  for (const auto& p : c.problems) ignored += p.kind == "softdep-ignored-words";
  EXPECT_EQ(ignored, 3);
}

TEST(ModprobeConf, SoftdepTokenizer) {
  EXPECT_EQ(kmod_softdep_tokens("a  b\tc "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(kmod_softdep_tokens(" pre: a"), (std::vector<std::string>{" pre:", "a"}));
  EXPECT_EQ(kmod_softdep_tokens("  pre: a"), (std::vector<std::string>{"pre:", "a"}));
  EXPECT_TRUE(kmod_softdep_tokens(" ").empty());
}

TEST(ModprobeConf, WeakdepOnlyFromKmod33) {
  auto old = parse("weakdep w a b\n");
  EXPECT_TRUE(old.weakdeps.empty());
  ASSERT_EQ(old.problems.size(), 1u);
  EXPECT_EQ(old.problems[0].kind, "bad-line");
  auto neu = parse("weakdep w-x a b\n", 33);
  ASSERT_EQ(neu.weakdeps.size(), 1u);
  EXPECT_EQ(neu.weakdeps[0].modname, "w_x");
  EXPECT_EQ(neu.weakdeps[0].deps, (std::vector<std::string>{"a", "b"}));
}

TEST(ModprobeConf, LoadMergesModulesSoftdepAndReportsUnreadable) {
  TempRoot r;
  write_file(r.path, "lib/modules/6.1.0/modules.softdep", "softdep a pre: b\n");
  write_file(r.path, "etc/modprobe.d/z.conf", "blacklist x\n");
  write_file(r.path, "lib/modprobe.d/z.conf", "blacklist shadowed\n");
  std::filesystem::create_directories(r.path + "/run/modprobe.d");
  std::filesystem::create_symlink("/nonexistent", r.path + "/run/modprobe.d/dead.conf");
  ModprobeLoadOptions o;
  o.root = r.path;
  o.module_dir = "/lib/modules/6.1.0";
  auto c = load_modprobe_config(o);
  ASSERT_EQ(c.files.size(), 3u);
  EXPECT_EQ(c.files[1].display_path, "/lib/modules/6.1.0/modules.softdep");
  ASSERT_EQ(c.softdeps.size(), 1u);
  EXPECT_EQ(c.softdeps[0].where.path, "/lib/modules/6.1.0/modules.softdep");
  ASSERT_EQ(c.blacklist.size(), 1u);
  EXPECT_EQ(c.blacklist[0].modname, "x");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].kind, "unreadable");
  EXPECT_TRUE(c.problems[0].kmod_message.empty());
}

/// Renders what `modprobe -c` prints for the config part (tools/modprobe.c show_config(),
/// including softdep_to_char()'s missing blank before "post:").
std::vector<std::string> render_like_modprobe_c(const model::ModprobeConfig& c,
                                                const model::KernelCmdline& k) {
  std::vector<std::string> out;
  for (const auto& b : c.blacklist) out.push_back("blacklist " + b.modname);
  for (const std::string& b : k.modprobe_blacklist) out.push_back("blacklist " + b);
  for (const auto& i : c.install) out.push_back("install " + i.modname + " " + i.command);
  for (const auto& i : c.remove) out.push_back("remove " + i.modname + " " + i.command);
  for (const auto& a : c.aliases) out.push_back("alias " + a.pattern + " " + a.modname);
  for (const auto& o : c.options) out.push_back("options " + o.modname + " " + o.options);
  for (const auto& [m, p] : k.module_params) out.push_back("options " + m + " " + p);
  for (const auto& s : c.softdeps) {
    std::string line = "softdep " + s.modname + " ";
    auto join = [](const std::vector<std::string>& v) {
      std::string j;
      for (size_t i = 0; i < v.size(); ++i) j += (i ? " " : "") + v[i];
      return j;
    };
    if (!s.pre.empty()) line += "pre: " + join(s.pre);
    if (!s.post.empty()) line += "post: " + join(s.post);
    out.push_back(line);
  }
  for (const auto& w : c.weakdeps) {
    std::string line = "weakdep " + w.modname;
    for (const auto& d : w.deps) line += " " + d;
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> dump_until_indexes(const std::string& dump) {
  std::vector<std::string> out;
  std::istringstream in(dump);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# End of configuration files")) break;
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Oracle: modprobe 30's `-c` dump of the same config plus this machine's /proc/cmdline.
TEST(ModprobeConf, MatchesModprobeDashC) {
  if (!testdata::exists("/usr/sbin/modprobe") && !testdata::exists("/sbin/modprobe"))
    GTEST_SKIP() << "modprobe not installed";
  TempRoot r;
  write_file(r.path, "c/a.conf",
             "alias my-alias foo-bar\nalias pci:v[0-9]*d-x baz\nblacklist snd-pcm\n"
             "options ab-c  x=1\ty=2 \ninstall foo-bar /bin/true --x\nremove foo-bar /bin/false\n"
             "softdep m-1 pre: a-b c post: d\nsoftdep m2  pre: z\nsoftdep m3   pre: q\n"
             "softdep m4 x pre: p\nweakdep w a\nalias onlyone\n  # x\n"
             "options cont\\\ninued a=\\\n1\n");
  write_file(r.path, "c/b.conf", "blacklist second\nsoftdep n post: x y\n");
  std::string dump = testdata::run("modprobe -C " + r.path + "/c -c 2>/dev/null");
  std::vector<std::string> expected;
  std::istringstream in(dump);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# End of configuration files")) break;
    if (!line.empty()) expected.push_back(line);
  }
  ModprobeLoadOptions o;
  o.paths = {r.path + "/c"};
  auto c = load_modprobe_config(o);
  std::ifstream cmd("/proc/cmdline");
  std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
  auto k = parse_kernel_cmdline(cmdline);
  EXPECT_EQ(render_like_modprobe_c(c, k), expected);
  EXPECT_GE(expected.size(), 12u);
}

// Oracles for the two kmod generations on one directory: kmod 30 reads `.alias` files and
// rejects `weakdep`; kmod 34 (Debian sid, scripts/fetch-kmod.sh) skips `.alias` and reads it.
TEST(ModprobeConf, KmodGenerationsMatchTheirModprobeDashC) {
  if (!testdata::exists("/usr/sbin/modprobe") && !testdata::exists("/sbin/modprobe"))
    GTEST_SKIP() << "modprobe not installed";
  TempRoot r;
  write_file(r.path, "c/a.conf", "weakdep w a b\nsoftdep m pre: x\n");
  write_file(r.path, "c/old.alias", "blacklist from_alias_file\n");
  std::ifstream cmd("/proc/cmdline");
  std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
  auto k = parse_kernel_cmdline(cmdline);
  std::vector<std::pair<int, std::string>> tools = {{30, "modprobe"}};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(testdata::cache_dir() + "/kmod", ec))
    if (std::filesystem::exists(e.path() / "modprobe"))
      tools.push_back({std::stoi(e.path().filename().string()), (e.path() / "modprobe").string()});
  for (const auto& [version, tool] : tools) {
    auto expected = dump_until_indexes(testdata::run(tool + " -C " + r.path + "/c -c 2>/dev/null"));
    ModprobeLoadOptions o;
    o.paths = {r.path + "/c"};
    o.kmod_version.major = version;
    auto c = load_modprobe_config(o);
    EXPECT_EQ(c.kmod_version.major, version);
    EXPECT_EQ(render_like_modprobe_c(c, k), expected) << tool;
    bool alias_read =
        std::find(expected.begin(), expected.end(), "blacklist from_alias_file") != expected.end();
    EXPECT_EQ(alias_read, version < 33) << tool;
  }
  if (tools.size() == 1) std::cerr << "note: kmod 34 not fetched (scripts/fetch-kmod.sh)\n";
}

}  // namespace
}  // namespace ofsck::read

namespace ofsck::read {
namespace {

TEST(ModprobeConf, SourceRefsCarryTheirPhysicalLine) {
  static constexpr char kText[] = "alias a b\n\noptions dummy \\\n x=1\r\nblacklist\nfoo\0bar\n";
  auto c = parse(std::string(kText, sizeof kText - 1));
  ASSERT_EQ(c.aliases.size(), 1u);
  EXPECT_EQ(c.aliases[0].where.line, 1u);
  EXPECT_EQ(c.aliases[0].where.text, "alias a b");
  ASSERT_EQ(c.options.size(), 1u);
  EXPECT_EQ(c.options[0].where.line, 3u);
  EXPECT_EQ(c.options[0].where.text, "options dummy \\");  // the first physical line
  // "blacklist" without a name is a bad line; "foo\0bar" a NUL line and an unknown command.
  ASSERT_GE(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].where.line, 5u);
  EXPECT_EQ(c.problems[0].where.text, "blacklist");
  EXPECT_EQ(c.problems[1].where.line, 6u);
  EXPECT_EQ(c.problems[1].where.text, std::string("foo\0bar", 7));
}

}  // namespace
}  // namespace ofsck::read
