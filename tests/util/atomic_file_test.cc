#include "util/atomic_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <thread>

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

// A path that is no regular file (-o /dev/null, a FIFO) is written to, never renamed over: as
// root, rename() would replace the device node with a file.
TEST(AtomicFile, WritesThroughToAFifoInsteadOfReplacingIt) {
  std::string d = testdata::make_temp_dir("atomic-fifo");
  const std::string fifo = d + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = testdata::slurp(fifo); });
  EXPECT_TRUE(write_file_atomically(fifo, "through"));
  reader.join();
  EXPECT_EQ(got, "through");
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(d)) n += e.is_regular_file();
  EXPECT_EQ(n, 0u);  // no temporary left
  std::filesystem::remove_all(d);
}

}  // namespace
}  // namespace ofsck
