// The manual pages (`ofsck --help-man DIR`, installed by the packages) against `--help`: every
// line that `ofsck [CMD] --help` prints is in the page, so the two cannot drift; the pages
// render without a groff warning at 80 columns.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/cli_docs.hpp"
#include "testdata.hpp"

namespace ofsck {
namespace {

using testdata::run;

/// A page as plain text lines: font and escape sequences removed, request lines dropped except
/// the text of a .SH heading.
std::string roff_to_text(const std::string& roff) {
  std::string out;
  std::istringstream in(roff);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(".SH ", 0) == 0) {
      line.erase(0, 4);
    } else if (!line.empty() && line[0] == '.') {
      continue;
    }
    std::string plain;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '\\' || i + 1 == line.size()) {
        plain += line[i];
      } else if (line[i + 1] == 'f' && i + 2 < line.size()) {
        i += 2;  // \fB, \fR
      } else if (line[i + 1] == '&') {
        ++i;
      } else if (line[i + 1] == 'e') {
        plain += '\\';
        ++i;
      } else {
        plain += line[++i];  // \- and the like
      }
    }
    out += plain + "\n";
  }
  return out;
}

/// The folded text of a page joined into one line per paragraph-ish run (words in order).
std::string joined(const std::string& text) {
  std::string out;
  for (const std::string& l : testdocs::folded_lines(text)) out += l + " ";
  return out;
}

class ManPages : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testdata::make_temp_dir("manpages");
    int rc = -1;
    run(testdata::ofsck_bin() + " --help-man '" + dir_ + "'", &rc);
    ASSERT_EQ(rc, 0);
  }
  static std::string page(const std::string& cmd) {
    std::ifstream in(dir_ + "/ofsck" + (cmd.empty() ? "" : "-" + cmd) + ".8");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static std::string dir_;
};
std::string ManPages::dir_;

TEST_F(ManPages, OnePagePerCommand) {
  std::vector<std::string> cmds = testdocs::help_commands();
  ASSERT_GE(cmds.size(), 8u);
  std::string n = run("ls '" + dir_ + "' | wc -l");
  EXPECT_EQ(std::stoul(n), cmds.size() + 1);
  for (const std::string& c : cmds) EXPECT_FALSE(page(c).empty()) << c;
}

// Every --help line (labels "Usage:", "Options:" ... aside) is in the page, words in order.
TEST_F(ManPages, SayWhatHelpSays) {
  std::vector<std::string> cmds = testdocs::help_commands();
  cmds.insert(cmds.begin(), "");
  for (const std::string& c : cmds) {
    std::string text = joined(roff_to_text(page(c)));
    for (std::string line : testdocs::folded_lines(testdocs::help_of(c))) {
      if (line == "Options:" || line == "Positionals:" || line == "Subcommands:") continue;
      if (line.rfind("Usage: ", 0) == 0) line.erase(0, 7);
      EXPECT_NE(text.find(line), std::string::npos) << "ofsck-" << c << ".8 lacks: " << line;
    }
  }
}

// man-db's own renderer, warnings on, at 80 columns: no output on stderr for any page.
TEST_F(ManPages, RenderWithoutWarnings) {
  if (run("command -v man").empty()) GTEST_SKIP() << "man-db not installed (install-deps test)";
  for (std::string c : testdocs::help_commands()) {
    std::string p = dir_ + "/ofsck-" + c + ".8";
    EXPECT_EQ(run("MANWIDTH=80 man --warnings -l '" + p + "' 2>&1 >/dev/null"), "") << p;
  }
  EXPECT_EQ(run("MANWIDTH=80 man --warnings -l '" + dir_ + "/ofsck.8' 2>&1 >/dev/null"), "");
}

TEST_F(ManPages, HiddenOptionsStayHidden) {
  for (const char* opt : {"--help-man", "--completion"}) {
    EXPECT_EQ(testdocs::help_of("").find(opt), std::string::npos) << opt;
    EXPECT_EQ(roff_to_text(page("")).find(opt), std::string::npos) << opt;
  }
}

}  // namespace
}  // namespace ofsck
