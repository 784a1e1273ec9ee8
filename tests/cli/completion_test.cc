// The completion scripts (`ofsck --completion bash|zsh`, installed by the packages) against
// `--help`: bash, run for real, offers exactly the options each command's --help lists, the
// commands, and the choices of an option's value; the zsh script parses and names every option.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/cli_docs.hpp"
#include "testdata.hpp"

namespace ofsck {
namespace {

using testdata::run;

class Completion : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testdata::make_temp_dir("completion");
    int rc = -1;
    run(testdata::ofsck_bin() + " --completion bash > '" + dir_ + "/ofsck.bash'", &rc);
    ASSERT_EQ(rc, 0);
    run(testdata::ofsck_bin() + " --completion zsh > '" + dir_ + "/_ofsck'", &rc);
    ASSERT_EQ(rc, 0);
  }
  /// What bash's completion offers for the command line `words` (cursor on its last word).
  static std::set<std::string> bash_complete(const std::string& words) {
    std::string out =
        run("cd / && bash -c 'source \"" + dir_ + "/ofsck.bash\"; COMP_WORDS=(" + words +
            "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ofsck; printf \"%s\\n\" "
            "\"${COMPREPLY[@]}\"'");
    std::set<std::string> got;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) got.insert(l);
    return got;
  }
  static std::string dir_;
};
std::string Completion::dir_;

TEST_F(Completion, BashOffersExactlyTheHelpOptions) {
  for (const std::string& c : testdocs::help_commands()) {
    std::set<std::string> want = testdocs::help_options(testdocs::help_of(c));
    ASSERT_FALSE(want.empty()) << c;
    EXPECT_EQ(bash_complete("ofsck " + c + " -"), want) << c;
  }
  EXPECT_EQ(bash_complete("ofsck -"), testdocs::help_options(testdocs::help_of("")));
}

TEST_F(Completion, BashOffersTheCommands) {
  std::vector<std::string> cmds = testdocs::help_commands();
  EXPECT_EQ(bash_complete("ofsck \"\""), std::set<std::string>(cmds.begin(), cmds.end()));
  EXPECT_EQ(bash_complete("ofsck ch"), std::set<std::string>{"check"});
}

TEST_F(Completion, BashOffersValueChoices) {
  EXPECT_EQ(bash_complete("ofsck check --format \"\""),
            (std::set<std::string>{"text", "json", "prom"}));
  EXPECT_EQ(bash_complete("ofsck fleet --format \"\""),
            (std::set<std::string>{"text", "json", "prom"}));
  // prom is check's and fleet's only (node_exporter's textfile collector).
  EXPECT_EQ(bash_complete("ofsck explain --format \"\""), (std::set<std::string>{"text", "json"}));
  EXPECT_EQ(bash_complete("ofsck explain --color a"), (std::set<std::string>{"auto", "always"}));
  // A path-valued option completes file names: / has a "usr" entry on every Debian root.
  EXPECT_EQ(bash_complete("ofsck check --root us").count("usr"), 1u);
}

TEST_F(Completion, ZshParsesAndNamesEveryOption) {
  std::ifstream in(dir_ + "/_ofsck");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string script = ss.str();
  EXPECT_EQ(script.rfind("#compdef ofsck\n", 0), 0u);
  for (const std::string& c : testdocs::help_commands()) {
    size_t branch = script.find("\n        " + c + ")\n");
    ASSERT_NE(branch, std::string::npos) << c;
    size_t end = script.find(";;", branch);
    for (const std::string& o : testdocs::help_options(testdocs::help_of(c)))
      EXPECT_NE(script.substr(branch, end - branch).find(o), std::string::npos) << c << " " << o;
  }
  if (run("command -v zsh").empty()) GTEST_SKIP() << "zsh not installed (install-deps test)";
  int rc = -1;
  std::string err = run("zsh -n '" + dir_ + "/_ofsck' 2>&1", &rc);
  EXPECT_EQ(rc, 0) << err;
}

}  // namespace
}  // namespace ofsck
