#pragma once
/// The one private temporary directory routine of the tool (whatif's and upgrade's overlay,
/// image's extracted tree, the private copy of an RPM database).
///
/// Where: the `parent` given; else $TMPDIR when set and not empty; else /dev/shm when it is a
/// writable directory with at least kShmMinFree bytes free (a scratch tree lives for one run,
/// and creating ~1,000 files on a disk filesystem's inode allocator cost most of an `image`
/// run); else /tmp.
///
/// Removal, never following a symlink (an overlay is mostly symlinks to the inspected root):
/// - guaranteed when the ScratchDir is destroyed, and at exit() for one still alive;
/// - on SIGINT, SIGTERM and SIGHUP (when their disposition was the default): the handler
///   removes every live scratch tree with open/getdents64/unlinkat/close only (no allocation,
///   no lock, no stdio), then restores the default action and re-raises, so the process still
///   dies of the signal;
/// - best effort, not guaranteed: a tree deeper than 64 levels keeps its deeper part; files
///   another thread creates during the removal may survive; more than 16 live scratch
///   directories at once are removed on destruction only; SIGKILL, a crash and _exit() leave
///   the tree behind. A forked child's exit or signal leaves its parent's trees alone.
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace ofsck {

class ScratchDir {
 public:
  /// /dev/shm is chosen only with this much free space (a kernel package laid over a root can
  /// hold hundreds of MB; containers often mount a 64 MB /dev/shm).
  static constexpr uint64_t kShmMinFree = uint64_t{1} << 30;

  /// Creates `<parent>/ofsck-<tag>-XXXXXX` (mkdtemp, mode 0700). The error says "cannot create
  /// <what>: <strerror>" and names the parent.
  [[nodiscard]] static Result<ScratchDir> create(std::string_view tag, std::string_view what,
                                                 std::string parent = {});

  /// The parent create() uses when none is given (see the file comment).
  [[nodiscard]] static std::string default_parent();

  ScratchDir(ScratchDir&& o) noexcept;
  ScratchDir& operator=(ScratchDir&& o) noexcept;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  /// Removes the tree.
  ~ScratchDir();

  /// The directory (absolute when the parent is).
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  ScratchDir(std::string path, int slot) : path_(std::move(path)), slot_(slot) {}
  void release();

  std::string path_;
  int slot_ = -1;  ///< registry slot the signal handler walks; -1 when not registered
};

}  // namespace ofsck
