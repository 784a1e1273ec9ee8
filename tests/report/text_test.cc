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

/// `n` OFS203 findings of one module, each with the same 2n-line kernel block (what the load
/// simulation gives every finding of a module), plus an OFS216 line of another file.
check::CheckResult crc_result(size_t n) {
  check::CheckResult r;
  r.inputs.root = "/";
  r.inputs.kernel_release = "6.1.0-56-amd64";
  std::vector<std::string> kernel;
  for (size_t i = 0; i < n; ++i) {
    kernel.push_back("ib_core: disagrees about version of symbol s" + std::to_string(i));
    kernel.push_back("ib_core: Unknown symbol s" + std::to_string(i) + " (err -22)");
  }
  for (size_t i = 0; i < n; ++i) {
    check::Finding f;
    f.rule = "OFS203";
    f.subject = "ib_core";
    f.message = "ib_core disagrees about version of symbol s" + std::to_string(i);
    f.where.push_back(SourceRef{"/lib/modules/k/kernel/ib_core.ko"});
    f.kernel_messages = kernel;
    f.modprobe_message = "modprobe: ERROR: could not insert 'ib_core': Invalid argument";
    f.notes.push_back("no file exports s" + std::to_string(i) + " with that CRC");
    f.hint = "rebuild ib_core against the installed vmlinux";
    r.findings.push_back(std::move(f));
  }
  r.findings.push_back(config_finding(3, "options dummy x=1"));
  return r;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = 0; (p = s.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

TEST(TextReport, OneBlockPerModuleWithCappedLists) {
  const std::string out = render_text(crc_result(43));
  // One header with the path, the first finding's message; five more listed, then a count.
  EXPECT_EQ(count(out, "/lib/modules/k/kernel/ib_core.ko"), 1u) << out;
  EXPECT_NE(out.find("/lib/modules/k/kernel/ib_core.ko: error[OFS203]: ib_core disagrees about "
                     "version of symbol s0\n  error[OFS203]: ib_core disagrees about version of "
                     "symbol s1\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(count(out, "  error[OFS203]: "), 5u) << out;
  EXPECT_NE(out.find("  … and 37 more findings of ib_core; --verbose lists them\n"),
            std::string::npos)
      << out;
  // The kernel block once, capped: 86 lines, 12 shown.
  EXPECT_EQ(count(out, "  kernel: "), 12u);
  EXPECT_NE(out.find("  … and 74 more kernel lines; --verbose lists them\n"), std::string::npos);
  EXPECT_EQ(count(out, "modprobe: ERROR"), 1u);
  EXPECT_EQ(count(out, "  hint: "), 1u);
  EXPECT_EQ(count(out, "  note: "), 8u);
  EXPECT_NE(out.find("  … and 35 more notes; --verbose lists them\n"), std::string::npos);
  // The config finding keeps its own block and caret; the summary counts every finding.
  EXPECT_NE(out.find(".conf:3: warning[OFS216]: dummy has no parameter 'x'\n    options dummy "
                     "x=1\n    ^\n"),
            std::string::npos);
  EXPECT_NE(out.find("43 errors, 1 warning, 0 notes\n"), std::string::npos);
  EXPECT_LT(count(out, "\n"), 40u);
}

TEST(TextReport, VerboseListsEverything) {
  TextOptions o;
  o.verbose = true;
  const std::string out = render_text(crc_result(43), o);
  EXPECT_EQ(count(out, "  error[OFS203]: "), 42u);
  EXPECT_EQ(count(out, "  kernel: "), 86u);
  EXPECT_EQ(count(out, "  note: "), 43u);
  EXPECT_EQ(out.find("--verbose lists them"), std::string::npos);
}

TEST(TextReport, SingleFindingUnchanged) {
  const std::string out = render_text(crc_result(1));
  EXPECT_NE(out.find("/lib/modules/k/kernel/ib_core.ko: error[OFS203]: ib_core disagrees about "
                     "version of symbol s0\n  kernel: ib_core: disagrees about version of symbol "
                     "s0\n  kernel: ib_core: Unknown symbol s0 (err -22)\n  modprobe: ERROR: could "
                     "not insert 'ib_core': Invalid argument\n  note: no file exports s0 with that "
                     "CRC\n  hint: rebuild ib_core against the installed vmlinux\n"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace ofsck::report
