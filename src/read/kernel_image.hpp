#pragma once
/// The kernel image (bzImage, /boot/vmlinuz-<kver>): locate and decompress the payload to get
/// at what is built into the kernel (trusted certificates).
#include <string>
#include <vector>

#include "model/kernel.hpp"
#include "read/buffer.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// Decompressed payload of an x86 bzImage (the stripped vmlinux ELF). Supports gzip, xz, zstd
/// payloads; other compressions give kUnsupported naming the method.
[[nodiscard]] Result<Buffer> decompress_bzimage(const std::string& path,
                                                uint64_t max_out = uint64_t{1} << 30);

/// Certificates built into the kernel image at `path` (.builtin_trusted_keys).
[[nodiscard]] Result<std::vector<model::TrustedCert>> kernel_image_certificates(
    const std::string& path);

}  // namespace ofsck::read
