#pragma once
/// Which kernel release a root boots next, as its boot loader will choose it, and why. After
/// `apt upgrade` or `dnf update kernel` `uname -r` is the old kernel; the one that matters for
/// "before you reboot" is the one the boot loader starts next.
#include <string>
#include <vector>

#include "util/result.hpp"

namespace ofsck::check {

/// A chosen kernel release with where the choice came from.
struct BootKernel {
  std::string release;
  /// "option" (--kernel), "grub", "bls" (systemd-boot's loader entries), "vmlinuz-link",
  /// "newest" (the newest installed kernel), "running" (uname -r of an empty /boot).
  std::string source;
  /// Why, for people: "next boot: GRUB saved_entry '…' in /boot/grub/grubenv", with the
  /// sources passed over before it and, on "/", the running kernel when it differs.
  std::string reason;
  /// uname -r when the root is the running system ("" or "/"), else "".
  std::string running;
};

/// uname -r of this host.
[[nodiscard]] std::string running_release();

/// Kernel releases installed under `root` ("" or "/": this system): the directories of
/// <root>/lib/modules and <root>/usr/lib/modules (kabi-current excepted), newest first
/// (dpkg_version_compare()).
[[nodiscard]] std::vector<std::string> installed_kernels(const std::string& root);

/// The kernel `root` boots next. In order: GRUB (grubenv next_entry/saved_entry, grub.cfg's
/// default, GRUB_DEFAULT of /etc/default/grub; menu entries, submenus and blscfg's BLS
/// entries); systemd-boot (loader entries and loader.conf's default, in /boot, /efi and
/// /boot/efi); the /boot/vmlinuz and /vmlinuz links; the newest installed kernel. A source
/// counts only when it names a release with a module tree under the root; otherwise the next
/// one is used and the reason says why. kNotFound when the root has no module tree at all.
[[nodiscard]] Result<BootKernel> next_boot_kernel(const std::string& root);

/// The release a path to a kernel image names: the part after "vmlinuz-", "vmlinux-",
/// "bzImage-" or "kernel-" in its file name, the parent directory of ".../KVER/linux" (a
/// kernel-install entry), or, for a symbolic link under `root`, the same of its target.
/// "" when none.
[[nodiscard]] std::string release_of_image(const std::string& root, const std::string& path);

}  // namespace ofsck::check
