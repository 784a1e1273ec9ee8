// render_text() (report/text.cc) prints a finding's config line from SourceRef::text alone:
// no file is opened, so the line shows even when its path exists nowhere on disk.
#include <gtest/gtest.h>

#include <filesystem>

#include "report/render.hpp"
#include "report/test_findings.hpp"
#include "report/whatif.hpp"
#include "scenario/whatif.hpp"

namespace ofsck::report {
namespace {

constexpr const char* kNowhere = "/nonexistent-ofsck-root/etc/modprobe.d/x\x1b.conf";

check::Finding config_finding(uint32_t line, std::string text) {
  check::Finding f = fixture::warning_at("OFS216", "dummy", "dummy has no parameter 'x'", kNowhere);
  f.where.back().line = line;
  f.where.back().text = std::move(text);
  return f;
}

check::CheckResult result_with(check::Finding f) {
  check::CheckResult r;
  r.inputs.root = "/";
  r.inputs.kernel_release = "6.1.0-47-amd64";
  r.findings.push_back(std::move(f));
  return r;
}

TEST(TextReport, CaretLineComesFromTheValueEscapedOnce) {
  ASSERT_FALSE(std::filesystem::exists(kNowhere));
  static constexpr char kRaw[] = "options dummy \x1b]0;x\x07=1 \\ \0z\xff";
  const std::string out =
      render_text(result_with(config_finding(7, std::string(kRaw, sizeof kRaw - 1))));
  EXPECT_NE(out.find("/nonexistent-ofsck-root/etc/modprobe.d/x\\x1b.conf:7: warning[OFS216]: "),
            std::string::npos)
      << out;
  // Each hostile byte as \xNN, the backslash doubled: escaped once, not twice.
  EXPECT_NE(out.find("\n    options dummy \\x1b]0;x\\x07=1 \\\\ \\x00z\\xff\n    ^\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("\\\\x1b"), std::string::npos) << out;
}

TEST(TextReport, NoCaretWithoutTextOrLine) {
  // An empty text (blank line, or not known) and a text without a line number show no caret.
  for (const check::Finding& f : {config_finding(3, ""), config_finding(0, "options x y=1")}) {
    const std::string out = render_text(result_with(f));
    EXPECT_EQ(out.find("    ^\n"), std::string::npos) << out;
  }
}

TEST(TextReport, WhatifShowsConfigLinesWithoutAnOverlay) {
  // The introduced finding's line existed only in the (now gone) overlay: the value suffices.
  check::WhatifReport r;
  r.root = "/";
  check::KernelDiff k;
  k.kernel = "6.1.0-47-amd64";
  k.introduced.push_back(config_finding(2, "blacklist dummy"));
  k.fixed.push_back(config_finding(5, "options dummy numdummies=9"));
  r.kernels.push_back(std::move(k));
  const std::string out = render_whatif_text(r, {});
  EXPECT_NE(out.find("introduced:\n" + std::string("/nonexistent-ofsck-root/etc/modprobe.d/x\\x1b"
                                                   ".conf:2: warning[OFS216]: dummy has no "
                                                   "parameter 'x'\n    blacklist dummy\n    ^\n")),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\n    options dummy numdummies=9\n    ^\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace ofsck::report
