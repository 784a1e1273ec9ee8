// Content digests and their cache (read/file_digests.hpp), against sha256sum and md5sum.
#include "read/file_digests.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testdata.hpp"

namespace ofsck::read {
namespace {

namespace fs = std::filesystem;

std::string word(const std::string& cmd) {
  std::string out = testdata::run(cmd);
  return out.substr(0, out.find(' '));
}

TEST(FileDigests, MatchSha256sumAndMd5sum) {
  std::string d = testdata::make_temp_dir("digests");
  std::string f = d + "/x.ko";
  std::ofstream(f, std::ios::binary) << std::string(3 << 20, 'a') << "tail";
  auto r = digest_file(f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sha256, word("sha256sum '" + f + "'"));
  EXPECT_EQ(r->md5, word("md5sum '" + f + "'"));
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(digest_file(d + "/none"));
  fs::remove_all(d);
}

TEST(FileDigests, CacheHitsUntilTheFileChanges) {
  std::string d = testdata::make_temp_dir("digestcache");
  std::string f = d + "/m/a.ko", g = d + "/m/b.ko";
  fs::create_directories(d + "/m");
  std::ofstream(f) << "one";
  std::ofstream(g) << "two";
  {
    DigestCache c(d + "/cache", d + "/m");
    auto r = c.digest({f, g}, 2);
    EXPECT_EQ(c.misses(), 2u);
    c.save();
  }
  std::string before;
  {
    DigestCache c(d + "/cache", d + "/m");
    auto r = c.digest({f, g}, 2);
    EXPECT_EQ(c.hits(), 2u);
    before = r[0]->sha256;
  }
  std::ofstream(f) << "changed";  // new size and mtime
  {
    DigestCache c(d + "/cache", d + "/m");
    auto r = c.digest({f, g}, 2);
    EXPECT_EQ(c.hits(), 1u);
    EXPECT_NE(r[0]->sha256, before);
    EXPECT_EQ(r[0]->sha256, word("sha256sum '" + f + "'"));
    c.save();
  }
  {
    // The save above wrote the entry it used unchanged (b.ko) beside the one it hashed.
    DigestCache c(d + "/cache", d + "/m");
    auto r = c.digest({f, g}, 2);
    EXPECT_EQ(c.hits(), 2u);
    EXPECT_EQ(r[1]->sha256, word("sha256sum '" + g + "'"));
  }
  // A corrupt cache file is ignored, never trusted.
  for (const auto& e : fs::directory_iterator(d + "/cache"))
    std::ofstream(e.path(), std::ios::app) << "garbage line without newline";
  DigestCache c(d + "/cache", d + "/m");
  auto r = c.digest({f}, 1);
  EXPECT_EQ(c.hits(), 0u);
  EXPECT_EQ(r[0]->sha256, word("sha256sum '" + f + "'"));
  fs::remove_all(d);
}

}  // namespace
}  // namespace ofsck::read
