#pragma once
/// What the documentation tests read from `ofsck --help`: the subcommands it lists and each
/// command's help text, so that the man pages and completions are held to it, not to a copy.
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "testdata.hpp"

namespace ofsck::testdocs {

inline std::string help_of(const std::string& cmd) {
  return testdata::run(testdata::ofsck_bin() + " " + cmd + " --help");
}

inline std::vector<std::string> folded_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::string folded;
    for (char c : line) {
      bool blank = c == ' ' || c == '\t';
      if (blank && (folded.empty() || folded.back() == ' ')) continue;
      folded += blank ? ' ' : c;
    }
    while (!folded.empty() && folded.back() == ' ') folded.pop_back();
    if (!folded.empty()) out.push_back(folded);
  }
  return out;
}

inline std::vector<std::string> help_commands() {
  std::vector<std::string> out;
  std::istringstream in(help_of(""));
  bool in_list = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "Subcommands:") {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0) {
      out.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (in_list) {
      break;
    }
  }
  return out;
}

inline std::set<std::string> help_options(const std::string& help) {
  std::set<std::string> out;
  static const std::regex kName("(^|,)(--?[A-Za-z][A-Za-z0-9-]*)");
  std::istringstream in(help);
  for (std::string line; std::getline(in, line);) {
    // Option lines start with two blanks and a dash: "  -k,--kernel TEXT   Kernel release".
    if (line.rfind("  -", 0) != 0) continue;
    std::string names = line.substr(2, line.find(' ', 2) - 2);
    for (std::sregex_iterator it(names.begin(), names.end(), kName), end; it != end; ++it)
      out.insert((*it)[2]);
  }
  return out;
}

}  // namespace ofsck::testdocs
