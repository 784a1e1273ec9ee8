// modules.dep.bin edge cases made by the real depmod (kmod 30).
#include <gtest/gtest.h>

#include "read/text/modules_dep.hpp"
#include "read/text/text_util.hpp"
#include "text_test_util.hpp"

namespace ofsck::read {
namespace {

using text_test::TempRoot;
using text_test::write_file;

// Issue 7, 2.d: for a tree without modules depmod writes a 12-byte index: the header, whose
// root offset (0x0000000c, no flags) names an empty node at the end of the file. libkmod reads
// it as an index without entries; it is not corrupt.
TEST(ModulesDepBinIndex, EmptyIndexFromRealDepmodIsValid) {
  OFSCK_REQUIRE_DATA("/sbin/depmod");
  TempRoot r;
  const std::string kver = "6.1.0-47-amd64";
  const std::string md = r.path + "/lib/modules/" + kver;
  write_file(r.path, "lib/modules/" + kver + "/modules.order", "");
  testdata::run("depmod -b " + r.path + " " + kver + " 2>/dev/null");
  Result<std::string> bytes = read_text_file(md + "/modules.dep.bin");
  ASSERT_TRUE(bytes) << to_string(bytes.error());
  ASSERT_EQ(bytes->size(), 12u);
  EXPECT_EQ(*bytes, std::string("\xb0\x07\xf4\x57\x00\x02\x00\x01\x00\x00\x00\x0c", 12));
  EXPECT_TRUE(validate_kmod_index(*bytes, "x"));
  auto mine = read_modules_dep_bin(md);
  ASSERT_TRUE(mine) << to_string(mine.error());
  EXPECT_TRUE(mine->modules.empty());
  EXPECT_TRUE(mine->problems.empty());
  auto ref = read_modules_dep_bin_libkmod(md);
  ASSERT_TRUE(ref) << to_string(ref.error());
  EXPECT_TRUE(ref->modules.empty());
}

// The empty node is only allowed without flags: a root at the end of the file that claims a
// prefix, children or values is still truncated.
TEST(ModulesDepBinIndex, FlaggedNodeAtEndOfFileIsTruncated) {
  const std::string header("\xb0\x07\xf4\x57\x00\x02\x00\x01", 8);
  for (const char* root : {"\x80\x00\x00\x0c", "\x40\x00\x00\x0c", "\x20\x00\x00\x0c"}) {
    std::string d = header + std::string(root, 4);
    EXPECT_FALSE(validate_kmod_index(d, "x"))
        << static_cast<int>(static_cast<unsigned char>(root[0]));
  }
  EXPECT_FALSE(validate_kmod_index(header + std::string("\x00\x00\x00\x0d", 4), "x"));
}

}  // namespace
}  // namespace ofsck::read
