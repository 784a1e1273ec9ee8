#pragma once
/// X.509 certificates the kernel trusts: from files (--trust, DER or PEM) or embedded in a
/// decompressed kernel image (the system_certificate_list).
#include <span>
#include <string>
#include <vector>

#include "model/kernel.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// Parses one DER certificate; error when it is not an X.509 certificate.
[[nodiscard]] Result<model::TrustedCert> parse_certificate_der(std::span<const uint8_t> der,
                                                               const std::string& source);

/// Loads every certificate in a file: one DER certificate, or any number of PEM blocks.
[[nodiscard]] Result<std::vector<model::TrustedCert>> load_certificate_file(
    const std::string& path);

/// Finds DER certificates embedded in a blob (a decompressed vmlinux): every offset that starts
/// a DER SEQUENCE whose content parses as a complete X.509 certificate.
std::vector<model::TrustedCert> scan_certificates(std::span<const std::byte> blob,
                                                  const std::string& source);

}  // namespace ofsck::read
