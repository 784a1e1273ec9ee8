// parse_ofsck_conf() (read/text/ofsck_conf): the format every ofsck.conf shares, and an error
// naming path:line for each way a line can be wrong.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "read/text/ofsck_conf.hpp"

namespace ofsck::read {
namespace {

constexpr const char* kPath = "/etc/ofsck/ofsck.conf";

TEST(OfsckConf, EveryKey) {
  auto c = parse_ofsck_conf(
      "# site policy\n\n  ignore = OFS105\nignore=OFS110:ofs_vendor\t\n"
      "baseline = /var/lib/ofsck/baseline # not a comment\ntrust = /etc/mok.der\n"
      "trust = /etc/mok2.pem\nformat = json\ncolor = never\ncache-dir = /var/cache/x\r\n",
      kPath);
  ASSERT_TRUE(c) << to_string(c.error());
  ASSERT_EQ(c->ignore.size(), 2u);
  EXPECT_EQ(c->ignore[0].value, "OFS105");
  EXPECT_EQ(c->ignore[0].line, 3u);
  EXPECT_EQ(c->ignore[1].value, "OFS110:ofs_vendor");
  ASSERT_TRUE(c->baseline);
  EXPECT_EQ(c->baseline->value, "/var/lib/ofsck/baseline # not a comment");
  EXPECT_EQ(c->baseline->line, 5u);
  ASSERT_EQ(c->trust.size(), 2u);
  EXPECT_EQ(c->trust[1].value, "/etc/mok2.pem");
  EXPECT_EQ(c->format->value, "json");
  EXPECT_EQ(c->color->value, "never");
  EXPECT_EQ(c->cache_dir->value, "/var/cache/x");
}

TEST(OfsckConf, EmptyFileIsEmptyConfig) {
  auto c = parse_ofsck_conf("", kPath);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->ignore.empty());
  EXPECT_FALSE(c->baseline);
  // No newline at the end still counts as a line.
  c = parse_ofsck_conf("# x\nformat = text", kPath);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->format->line, 2u);
}

TEST(OfsckConf, ErrorsNameFileAndLine) {
  const std::pair<const char*, const char*> kCases[] = {
      {"# ok\nverbose = yes\n", "/etc/ofsck/ofsck.conf:2: unknown key 'verbose'"},
      {"ignore OFS105\n", "/etc/ofsck/ofsck.conf:1: expected 'key = value'"},
      {"\n\nignore =\n", "/etc/ofsck/ofsck.conf:3: no value for 'ignore'"},
      {"= x\n", "/etc/ofsck/ofsck.conf:1: no key before '='"},
      {"format = yaml\n", "/etc/ofsck/ofsck.conf:1: format must be text or json"},
      {"color = blue\n", "/etc/ofsck/ofsck.conf:1: color must be auto, always or never"},
      {"baseline = a\nbaseline = b\n", "/etc/ofsck/ofsck.conf:2: 'baseline' given twice (first "
                                       "on line 1)"},
  };
  for (const auto& [text, want] : kCases) {
    auto c = parse_ofsck_conf(text, kPath);
    ASSERT_FALSE(c) << want;
    EXPECT_EQ(c.error().code, ErrorCode::kUsage);
    EXPECT_EQ(to_string(c.error()).rfind(want, 0), 0u) << to_string(c.error());
  }
  auto nul = parse_ofsck_conf(std::string_view("ignore = a\0b\n", 13), kPath);
  ASSERT_FALSE(nul);
  EXPECT_EQ(to_string(nul.error()), "/etc/ofsck/ofsck.conf:1: NUL byte in the line");
}

TEST(OfsckConf, ReadOptionalAndMissing) {
  auto none = read_ofsck_conf("/nonexistent-ofsck/ofsck.conf", true);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->ignore.empty());
  auto missing = read_ofsck_conf("/nonexistent-ofsck/ofsck.conf", false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  char tmpl[] = "/tmp/ofsck-conf-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(tmpl) << "ignore = OFS219\n";
  auto c = read_ofsck_conf(tmpl, false);
  std::remove(tmpl);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ignore.at(0).value, "OFS219");
}

TEST(OfsckConf, OversizedIsRefused) {
  std::string big(kOfsckConfCap + 1, '#');
  auto c = parse_ofsck_conf(big, kPath);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace ofsck::read
