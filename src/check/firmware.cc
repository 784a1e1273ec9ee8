#include "check/firmware.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace ofsck::check {

namespace {
constexpr const char* kSuffixes[] = {"", ".xz", ".zst"};

std::vector<std::string> search_dirs(const std::string& kver) {
  return {"lib/firmware/updates/" + kver, "lib/firmware/updates", "lib/firmware/" + kver,
          "lib/firmware"};
}
}  // namespace

std::optional<std::string> find_firmware(const std::function<bool(const std::string&)>& exists,
                                         const std::string& kver, const std::string& name) {
  for (const std::string& dir : search_dirs(kver))
    for (const char* suf : kSuffixes) {
      std::string p = dir + "/" + name + suf;
      if (exists(p)) return p;
    }
  return std::nullopt;
}

DiskFirmware::DiskFirmware(const std::string& root, const std::string& kver) {
  std::vector<std::pair<dev_t, ino_t>> seen;
  for (const std::string& dir : search_dirs(kver))
    for (const char* prefix : {"/", "/usr/"}) {
      int fd = ::open((root + prefix + dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) continue;
      struct stat st;
      if (::fstat(fd, &st) != 0 ||
          std::find(seen.begin(), seen.end(), std::pair{st.st_dev, st.st_ino}) != seen.end()) {
        ::close(fd);
        continue;
      }
      seen.emplace_back(st.st_dev, st.st_ino);
      dirs_.push_back(fd);
    }
}

DiskFirmware::~DiskFirmware() {
  for (int fd : dirs_) ::close(fd);
}

bool DiskFirmware::exists(const std::string& name) const {
  // The kernel joins "<dir>/<name>": a leading '/' in the name only doubles the separator.
  const size_t skip = name.find_first_not_of('/');
  if (dirs_.empty() || skip == std::string::npos) return false;
  std::string p;
  for (int fd : dirs_)
    for (const char* suf : kSuffixes) {
      p.assign(name, skip).append(suf);
      struct stat st;
      if (::fstatat(fd, p.c_str(), &st, 0) == 0) return true;
    }
  return false;
}

}  // namespace ofsck::check
