#include "util/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "testdata.hpp"

namespace ofsck {
namespace {

TEST(AtomicFile, WritesAndReplacesLeavingNoTemporary) {
  std::string d = testdata::make_temp_dir("atomic");
  ASSERT_TRUE(write_file_atomically(d + "/out.json", "one"));
  ASSERT_TRUE(write_file_atomically(d + "/out.json", "two"));
  EXPECT_EQ(testdata::slurp(d + "/out.json"), "two");
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(d)) n += e.is_regular_file();
  EXPECT_EQ(n, 1u);
  auto bad = write_file_atomically(d + "/no/such/dir/x", "x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where.path, d + "/no/such/dir/x");
  std::filesystem::remove_all(d);
}

}  // namespace
}  // namespace ofsck
