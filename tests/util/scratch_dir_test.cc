// ScratchDir: the parent it picks, removal of a whole tree without following symlinks (the
// overlay's links to the inspected root), on destruction, at exit() and on SIGTERM/SIGINT
// (in a forked child, which must still die of the signal).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "util/scratch_dir.hpp"

namespace ofsck {
namespace {

namespace fs = std::filesystem;

/// A tree with nested directories, files and a symlink to a file outside it.
void fill(const std::string& dir, const std::string& outside) {
  fs::create_directories(dir + "/a/b/c");
  for (int i = 0; i < 300; ++i) std::ofstream(dir + "/a/b/f" + std::to_string(i)) << i;
  std::ofstream(dir + "/a/b/c/deep.ko") << "x";
  fs::create_symlink(outside, dir + "/a/link");
  fs::create_directory_symlink(fs::path(outside).parent_path(), dir + "/dirlink");
}

class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = ScratchDir::create("test-outside", "the test's directory", "/tmp");
    ASSERT_TRUE(d) << d.error().message;
    outside_dir_.emplace(std::move(*d));
    outside_ = outside_dir_->path() + "/keep";
    std::ofstream(outside_) << "keep";
  }
  std::optional<ScratchDir> outside_dir_;
  std::string outside_;
};

TEST_F(ScratchDirTest, RemovedOnDestructionWithoutFollowingSymlinks) {
  std::string path;
  {
    auto d = ScratchDir::create("test", "a test directory", "/tmp");
    ASSERT_TRUE(d);
    path = d->path();
    EXPECT_TRUE(path.starts_with("/tmp/ofsck-test-")) << path;
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    fill(path, outside_);
    ScratchDir moved = std::move(*d);  // the moved-from one removes nothing
    EXPECT_EQ(moved.path(), path);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists(outside_));
}

TEST_F(ScratchDirTest, ParentOrder) {
  const char* old = getenv("TMPDIR");
  std::string saved = old ? old : "";
  setenv("TMPDIR", outside_dir_->path().c_str(), 1);
  EXPECT_EQ(ScratchDir::default_parent(), outside_dir_->path());
  setenv("TMPDIR", "", 1);  // empty counts as unset
  std::string p = ScratchDir::default_parent();
  EXPECT_TRUE(p == "/dev/shm" || p == "/tmp") << p;
  if (old) setenv("TMPDIR", saved.c_str(), 1);
  else unsetenv("TMPDIR");
}

TEST_F(ScratchDirTest, UncreatableParentNamesIt) {
  auto d = ScratchDir::create("test", "the overlay directory", "/nonexistent/dir");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "cannot create the overlay directory: No such file or directory");
  EXPECT_EQ(d.error().where.path, "/nonexistent/dir");
}

/// Runs `body(path)` in a child that reports the scratch path through a pipe; returns the
/// child's wait status and the path.
template <class F>
std::pair<int, std::string> in_child(F body) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    auto d = ScratchDir::create("test-child", "a test directory", "/tmp");
    if (!d) _exit(90);
    fill(d->path(), "/etc/hostname");
    std::string p = d->path() + "\n";
    if (write(fds[1], p.data(), p.size()) != static_cast<ssize_t>(p.size())) _exit(91);
    close(fds[1]);
    body();
    _exit(92);  // not reached
  }
  close(fds[1]);
  std::string path;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') path += c;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {status, path};
}

TEST_F(ScratchDirTest, RemovedOnSignalAndTheProcessStillDiesOfIt) {
  for (int sig : {SIGTERM, SIGINT}) {
    auto [status, path] = in_child([sig] { raise(sig); });
    ASSERT_FALSE(path.empty());
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(WTERMSIG(status), sig);
    EXPECT_FALSE(fs::exists(path)) << path;
    EXPECT_TRUE(fs::exists(outside_));
  }
}

TEST_F(ScratchDirTest, RemovedAtExit) {
  auto [status, path] =
      in_child([] { std::exit(0); });  // the child's ScratchDir is never destroyed
  ASSERT_FALSE(path.empty());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(fs::exists(path)) << path;
  EXPECT_TRUE(fs::exists(outside_)) << "the child's exit removed its parent's scratch directory";
}

}  // namespace
}  // namespace ofsck
