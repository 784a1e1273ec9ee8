// report/suppress: --ignore rules, baselines (stable keys, file format) and the counts they
// leave in the summary, on plain values.
#include "report/suppress.hpp"

#include <gtest/gtest.h>

#include "report/render.hpp"

namespace ofsck::report {
namespace {

check::Finding finding(std::string rule, std::string subject, std::string message,
                       uint32_t line = 0) {
  check::Finding f;
  f.rule = std::move(rule);
  f.severity = check::Severity::kWarning;
  f.subject = std::move(subject);
  f.message = std::move(message);
  f.where.push_back(SourceRef{"/srv/img/lib/modules/k/x.ko", line});
  return f;
}

check::CheckResult three() {
  check::CheckResult r;
  r.inputs.root = "/srv/img";
  r.inputs.kernel_release = "k";
  r.findings = {finding("OFS105", "/etc/modprobe.d/a.conf", "bad line", 4),
                finding("OFS110", "ofs_vendor",
                        "/srv/img/lib/modules/k/extra/ofs.ko is owned "
                        "by no package"),
                finding("OFS110", "other", "unowned")};
  return r;
}

TEST(Suppress, ParseIgnore) {
  auto r = parse_ignore("OFS105");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "OFS105");
  EXPECT_EQ(r->subject, "");
  r = parse_ignore("unowned-module:ofs_vendor");  // the catalogue name works too
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "OFS110");
  EXPECT_EQ(r->subject, "ofs_vendor");
  r = parse_ignore("OFS105:/etc/modprobe.d/a:b.conf");  // split at the first ':'
  ASSERT_TRUE(r);
  EXPECT_EQ(r->subject, "/etc/modprobe.d/a:b.conf");
  for (const char* bad : {"OFS999", "", "OFS105:", "ofs105"}) {
    auto e = parse_ignore(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kUsage);
  }
}

TEST(Suppress, IgnoreCountsWhatItRemoves) {
  check::CheckResult r = three();
  suppress(r, {{"OFS110", "ofs_vendor"}}, nullptr);
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[1].subject, "other");
  EXPECT_EQ(r.suppressed.ignored, 1u);
  r = three();
  suppress(r, {{"OFS110", ""}}, nullptr);
  EXPECT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.suppressed.total(), 2u);
  EXPECT_NE(render_text(r).find("; 2 suppressed (--ignore 2)\n"), std::string::npos)
      << render_text(r);
}

TEST(Suppress, BaselineKeyIsStable) {
  // No line number, no root: the same finding on another line or mount point has the same key.
  check::Finding a = finding("OFS105", "/etc/modprobe.d/a.conf", "bad\tline", 4);
  check::Finding b = a;
  b.where.front().line = 40;
  EXPECT_EQ(baseline_entry(a, "/srv/img"), baseline_entry(b, "/mnt/other"));
  EXPECT_EQ(baseline_entry(a, "/"), "OFS105\t/etc/modprobe.d/a.conf\tbad\\x09line");
  check::Finding c = three().findings[1];
  EXPECT_EQ(baseline_entry(c, "/srv/img"),
            "OFS110\tofs_vendor\t/lib/modules/k/extra/ofs.ko is owned by no package");
}

TEST(Suppress, BaselineRoundTrip) {
  check::CheckResult r = three();
  std::string text = render_baseline(r.findings, r.inputs.root);
  EXPECT_EQ(text.rfind(std::string(kBaselineHeader) + "\n", 0), 0u);
  auto b = parse_baseline(text, "b.txt");
  ASSERT_TRUE(b) << to_string(b.error());
  EXPECT_EQ(b->entries.size(), 3u);
  // Today's findings plus a new one: only the new one is reported.
  check::CheckResult later = three();
  later.inputs.root = "/mnt/img";  // the same image mounted elsewhere
  later.findings[1].message = "/mnt/img/lib/modules/k/extra/ofs.ko is owned by no package";
  later.findings.push_back(finding("OFS216", "dummy", "no parameter 'x'"));
  suppress(later, {}, &*b);
  ASSERT_EQ(later.findings.size(), 1u);
  EXPECT_EQ(later.findings[0].rule, "OFS216");
  EXPECT_EQ(later.suppressed.baseline, 3u);
  // --ignore is counted first when both match.
  check::CheckResult both = three();
  suppress(both, {{"OFS105", ""}}, &*b);
  EXPECT_EQ(both.suppressed.ignored, 1u);
  EXPECT_EQ(both.suppressed.baseline, 2u);
  EXPECT_NE(render_text(both).find("; 3 suppressed (--ignore 1, baseline 2)\n"), std::string::npos);
}

TEST(Suppress, BaselineErrorsNameFileAndLine) {
  auto e = parse_baseline("OFS105\tx\ty\n", "b.txt");
  ASSERT_FALSE(e);
  EXPECT_EQ(to_string(e.error()).rfind("b.txt:1: not an ofsck baseline", 0), 0u);
  e = parse_baseline(std::string(kBaselineHeader) + "\n# c\n\nOFS105 x y\n", "b.txt");
  ASSERT_FALSE(e);
  EXPECT_EQ(to_string(e.error()).rfind("b.txt:4: expected RULE", 0), 0u);
  EXPECT_FALSE(parse_baseline("", "b.txt"));
}

}  // namespace
}  // namespace ofsck::report
