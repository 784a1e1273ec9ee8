#include <gtest/gtest.h>

#include "read/text/text_util.hpp"

namespace ofsck::read {
namespace {

TEST(TextLines, ContinuationJoinsWithoutSpaceAndTracksLines) {
  auto v = split_wrapped_lines("search a\\\nb\nx\n");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].text, "search ab");
  EXPECT_EQ(v[0].first_line, 1u);
  EXPECT_EQ(v[0].last_line, 2u);  // kmod reports the last physical line
  EXPECT_EQ(v[1].text, "x");
  EXPECT_EQ(v[1].first_line, 3u);
  EXPECT_EQ(v[1].last_line, 3u);
}

TEST(TextLines, BackslashBeforeOtherCharIsDropped) {
  auto v = split_wrapped_lines("a\\b\\\\c");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].text, "ab\\c");
}

TEST(TextLines, LastLineWithoutNewlineCounts) {
  auto v = split_wrapped_lines("a\nb");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].text, "b");
  EXPECT_EQ(v[1].last_line, 2u);
}

TEST(TextLines, BackslashAtEofBecomes0xff) {
  auto v = split_wrapped_lines("a\\");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].text, std::string("a\xff"));
}

TEST(TextLines, OnlyContinuationAtEofYieldsNothing) {
  EXPECT_TRUE(split_wrapped_lines("\\\n").empty());
  auto v = split_wrapped_lines("\\\n\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].text, "");
  EXPECT_EQ(v[0].last_line, 2u);
}

TEST(TextLines, NulTruncatesEffectiveLine) {
  auto v = split_wrapped_lines(std::string("ab\0cd\n", 6));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].has_nul());
  EXPECT_EQ(v[0].effective(), "ab");
}

TEST(TextLines, StrtokRestKeepsExtraBlanks) {
  Strtok t("options  foo   a=1 ");
  EXPECT_EQ(*t.next(), "options");
  EXPECT_EQ(*t.next(), "foo");
  EXPECT_EQ(*t.rest(), "  a=1 ");
  EXPECT_FALSE(t.rest());
  Strtok u("options foo");
  u.next();
  u.next();
  EXPECT_FALSE(u.rest());
  Strtok w("options foo ");
  w.next();
  w.next();
  EXPECT_FALSE(w.rest());  // the single trailing blank is consumed with "foo"
}

TEST(TextLines, Underscores) {
  EXPECT_EQ(*kmod_underscores("a-b-c"), "a_b_c");
  EXPECT_EQ(*kmod_underscores("pci:v[0-9]d-x"), "pci:v[0-9]d_x");
  EXPECT_FALSE(kmod_underscores("a]b"));
  EXPECT_FALSE(kmod_underscores("a[b-c"));
  EXPECT_EQ(*kmod_underscores("[a][b-]-"), "[a][b-]_");
}

}  // namespace
}  // namespace ofsck::read
