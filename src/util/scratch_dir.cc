// ScratchDir (util/scratch_dir.hpp): mkdtemp(), a fixed registry of live directories, and one
// tree removal that the destructor, the exit handler and the signal handler all use.
//
// The removal touches only async-signal-safe system calls (signal-safety(7): openat, close,
// unlinkat, lseek; getdents64 through syscall(), a bare system call) and the stack: no
// opendir() (it allocates), no std::filesystem. The registry is a static array of slots whose
// state is an atomic int, so the handler never waits for a lock the interrupted thread holds.
#include "util/scratch_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <climits>
#include <csignal>
#include <cstdlib>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

#include <fmt/format.h>

namespace ofsck {

namespace {

constexpr int kSlots = 16;
constexpr int kMaxDepth = 64;
enum SlotState : int { kFree = 0, kBusy = 1, kLive = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  pid_t owner = 0;  ///< the process that created it: a forked child's exit leaves it alone
  char path[PATH_MAX];
};
Slot g_slots[kSlots];

// Removes `name` under `dirfd`, and everything below it when it is a directory.
void remove_at(int dirfd, const char* name, bool is_dir, int depth);

// Empties the directory open as `fd`. Rewinds until a pass removes nothing: what another
// thread adds meanwhile is caught by the next pass (at most 8).
void empty_dir(int fd, int depth) {
  alignas(8) char buf[2048];
  for (int pass = 0; pass < 8; ++pass) {
    bool removed = false;
    if (lseek(fd, 0, SEEK_SET) != 0) return;
    for (;;) {
      long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
      if (n <= 0) break;
      // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
      for (long off = 0; off + 19 < n;) {
        uint16_t reclen;
        std::memcpy(&reclen, buf + off + 16, sizeof reclen);
        if (reclen == 0) return;
        unsigned char type = static_cast<unsigned char>(buf[off + 18]);
        const char* nm = buf + off + 19;
        off += reclen;
        if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))) continue;
        remove_at(fd, nm, type == DT_DIR, depth + 1);
        removed = true;
      }
    }
    if (!removed) return;
  }
}

void remove_at(int dirfd, const char* name, bool is_dir, int depth) {
  if (!is_dir) {
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return;
    if (errno != EISDIR && errno != EPERM) return;
  }
  if (depth > kMaxDepth) return;
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  empty_dir(fd, depth);
  close(fd);
  unlinkat(dirfd, name, AT_REMOVEDIR);
}

void remove_tree(const char* path) { remove_at(AT_FDCWD, path, true, 0); }

int register_path(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kBusy)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].owner = getpid();
    g_slots[i].state.store(kLive, std::memory_order_release);
    return i;
  }
  return -1;
}

// Removes slot `i`'s tree unless someone else (the handler, the exit hook) already took it.
void remove_slot(int i) {
  int expected = kLive;
  if (!g_slots[i].state.compare_exchange_strong(expected, kBusy, std::memory_order_acq_rel)) return;
  remove_tree(g_slots[i].path);
  g_slots[i].state.store(kFree, std::memory_order_release);
}

void remove_all_live() {
  pid_t self = getpid();
  for (int i = 0; i < kSlots; ++i)
    if (g_slots[i].state.load(std::memory_order_acquire) == kLive && g_slots[i].owner == self)
      remove_slot(i);
}

extern "C" void on_exit_hook() { remove_all_live(); }

extern "C" void on_fatal_signal(int sig) {
  remove_all_live();
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);  // delivered, with the default action, when this handler returns
}

// Once per process: the exit hook, and the signal handlers where the disposition is the
// default (an ignored SIGHUP under nohup, or a host program's own handler, stay as they are).
void install_hooks() {
  static std::once_flag once;
  std::call_once(once, [] {
    atexit(on_exit_hook);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (sigaction(sig, nullptr, &old) != 0) continue;
      if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = on_fatal_signal;
      sigfillset(&sa.sa_mask);  // no other signal interrupts the removal
      sigaction(sig, &sa, nullptr);
    }
  });
}

}  // namespace

std::string ScratchDir::default_parent() {
  if (const char* t = getenv("TMPDIR"); t && *t) return t;
  struct statvfs vfs;
  if (access("/dev/shm", W_OK | X_OK) == 0 && statvfs("/dev/shm", &vfs) == 0 &&
      static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize >= kShmMinFree)
    return "/dev/shm";
  return "/tmp";
}

Result<ScratchDir> ScratchDir::create(std::string_view tag, std::string_view what,
                                      std::string parent) {
  if (parent.empty()) parent = default_parent();
  install_hooks();
  std::string tmpl = fmt::format("{}/ofsck-{}-XXXXXX", parent, tag);
  if (!mkdtemp(tmpl.data()))
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot create {}: {}", what, std::strerror(errno)), {parent});
  int slot = register_path(tmpl);
  return ScratchDir(std::move(tmpl), slot);
}

ScratchDir::ScratchDir(ScratchDir&& o) noexcept
    : path_(std::move(o.path_)), slot_(std::exchange(o.slot_, -1)) {
  o.path_.clear();
}

ScratchDir& ScratchDir::operator=(ScratchDir&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    o.path_.clear();
    slot_ = std::exchange(o.slot_, -1);
  }
  return *this;
}

ScratchDir::~ScratchDir() { release(); }

void ScratchDir::release() {
  if (slot_ >= 0) remove_slot(slot_);
  else if (!path_.empty()) remove_tree(path_.c_str());
  slot_ = -1;
  path_.clear();
}

}  // namespace ofsck
