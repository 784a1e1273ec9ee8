#pragma once
/// X.509 certificates the kernel trusts: from files (--trust, DER or PEM) or embedded in a
/// decompressed kernel image (the system_certificate_list).
#include <span>
#include <cstdint>
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

/// scan_certificates() over a blob that arrives in pieces (a kernel image being decompressed),
/// holding only a window of it: feed() every piece in order, then finish(). Finds exactly what
/// scan_certificates() finds on the concatenation.
class CertificateScanner {
 public:
  explicit CertificateScanner(std::string source) : source_(std::move(source)) {}
  void feed(std::span<const std::byte> piece);
  std::vector<model::TrustedCert> finish();

 private:
  /// Scans candidate offsets below `limit` (absolute); `total` is the blob size if known.
  void scan(uint64_t limit, bool at_end);
  std::string source_;
  std::vector<uint8_t> win_;  ///< blob bytes [base_, base_ + win_.size())
  uint64_t base_ = 0;
  uint64_t pos_ = 0;          ///< next absolute offset to examine
  std::vector<model::TrustedCert> out_;
};

}  // namespace ofsck::read
