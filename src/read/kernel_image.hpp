#pragma once
/// The kernel image (x86 bzImage): where it is on a root, and its decompressed payload, to get
/// at what is built into the kernel (trusted certificates).
#include <optional>
#include <string>
#include <vector>

#include "model/kernel.hpp"
#include "read/buffer.hpp"
#include "read/compress/kernel_payload.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// A kernel image found on a root, and how it was found.
struct ImageLocation {
  std::string path;        ///< the file, under the root ("/srv/r/boot/vmlinuz-6.1.0-56-amd64")
  std::string provenance;  ///< e.g. "/boot/vmlinuz-KVER (the installed image)"
};

/// Finds the image of kernel `kver` under `root` ("" or "/" for the running system), trying in
/// order: /boot/vmlinuz-KVER (Debian's and RPM's installed image); Boot Loader Specification
/// entries $BOOT/<entry-token>/KVER/linux for $BOOT in /boot, /efi, /boot/efi, with the entry
/// token from /etc/kernel/entry-token, else /etc/machine-id, else os-release IMAGE_ID and ID
/// (kernel-install's order); then the package's copy beside the modules,
/// /usr/lib/modules/KVER/vmlinuz and /lib/modules/KVER/vmlinuz. nullopt when none is a
/// regular file. Every path is read under `root`.
[[nodiscard]] std::optional<ImageLocation> find_kernel_image(const std::string& root,
                                                             const std::string& kver);

/// The compressed payload of an x86 bzImage held in `img`.
struct BzImagePayload {
  std::span<const std::byte> bytes;  ///< payload_offset/payload_length, size trailer included
  PayloadFormat format;
  uint64_t offset = 0;  ///< of `bytes` in the image
};

/// Locates the payload through the x86 boot protocol header. `path` labels errors.
[[nodiscard]] Result<BzImagePayload> locate_bzimage_payload(std::span<const std::byte> img,
                                                            const std::string& path);

/// Decompressed payload of an x86 bzImage (the stripped vmlinux ELF), in any format the kernel
/// builds (gzip, bzip2, lzma, xz, lzo, lz4, zstd), ending where the kernel's decoder stops.
[[nodiscard]] Result<Buffer> decompress_bzimage(const std::string& path,
                                                uint64_t max_out = uint64_t{1} << 30);

/// Certificates built into the kernel image at `path` (.builtin_trusted_keys).
[[nodiscard]] Result<std::vector<model::TrustedCert>> kernel_image_certificates(
    const std::string& path);

/// The same over an image already in memory (the fuzz target), decoding at most `max_out`
/// bytes of vmlinux. `path` labels errors.
[[nodiscard]] Result<std::vector<model::TrustedCert>> image_certificates(
    std::span<const std::byte> img, const std::string& path, uint64_t max_out = uint64_t{1} << 30);

}  // namespace ofsck::read
