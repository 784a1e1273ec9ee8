#pragma once
/// request_firmware()'s search: fw_path[] of drivers/base/firmware_loader/main.c
/// (updates/<release>, updates, <release>, plain) with the compressed-firmware suffixes.
#include <functional>
#include <optional>
#include <string>

namespace ofsck::check {

/// The first path (relative to the root, e.g. "lib/firmware/rtl_nic/rtl8168h-2.fw.xz") where
/// the kernel finds firmware `name`, using `exists(relative path)`; nullopt when missing.
std::optional<std::string> find_firmware(const std::function<bool(const std::string&)>& exists,
                                         const std::string& kver, const std::string& name);

}  // namespace ofsck::check
