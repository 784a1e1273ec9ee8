#pragma once
/// Expectations on command output shared by the test layers: goldens under tests/cli/golden/
/// and whole-line lookups in line-oriented text (Prometheus exposition, summaries).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "testdata.hpp"

namespace ofsck::testdata {

/// `out` against tests/cli/golden/GOLDEN (OFSCK_UPDATE_GOLDEN=1 rewrites the file).
inline void expect_golden(const std::string& out, const std::string& golden) {
  const std::string path = source_dir() + "/tests/cli/golden/" + golden;
  if (getenv("OFSCK_UPDATE_GOLDEN")) {
    std::ofstream(path) << out;
    return;
  }
  EXPECT_EQ(out, slurp(path)) << golden << ": update with OFSCK_UPDATE_GOLDEN=1";
}

/// True when `line` is one whole line of `text`.
inline bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace ofsck::testdata
