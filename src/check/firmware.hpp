#pragma once
/// request_firmware()'s search: fw_path[] of drivers/base/firmware_loader/main.c
/// (updates/<release>, updates, <release>, plain) with the compressed-firmware suffixes.
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ofsck::check {

/// The first path (relative to the root, e.g. "lib/firmware/rtl_nic/rtl8168h-2.fw.xz") where
/// the kernel finds firmware `name`, using `exists(relative path)`; nullopt when missing.
std::optional<std::string> find_firmware(const std::function<bool(const std::string&)>& exists,
                                         const std::string& kver, const std::string& name);

/// The same search on a root's disk (<root>/lib/firmware/… and <root>/usr/lib/firmware/…):
/// each search directory is opened once, absent ones cost nothing, the same directory reached
/// twice (merged /usr) is searched once, and each lookup is an fstatat() relative to it.
class DiskFirmware {
 public:
  DiskFirmware(const std::string& root, const std::string& kver);
  ~DiskFirmware();
  DiskFirmware(const DiskFirmware&) = delete;
  DiskFirmware& operator=(const DiskFirmware&) = delete;
  [[nodiscard]] bool exists(const std::string& name) const;

 private:
  std::vector<int> dirs_;
};

}  // namespace ofsck::check
