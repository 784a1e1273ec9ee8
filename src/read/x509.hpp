#pragma once
/// X.509 certificates the kernel trusts: from files (--trust, DER or PEM) or embedded in a
/// decompressed kernel image (the system_certificate_list).
#include <cstdint>
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

/// Finds the certificates the kernel builds into its trusted keyring in a decompressed vmlinux
/// that arrives in pieces, holding only a window of it: feed() every piece in order (it returns
/// false once the answer is known, so decompression can stop), then finish().
///
/// certs/system_certificates.S (4.3+) lays out system_certificate_list as back-to-back DER
/// certificates, then zero fill (the reserved extra-certificate area, alignment) and
/// system_certificate_list_size at an 8-aligned offset. A run of certificates followed so is
/// that list, and the answer is exactly its certificates. Images without the size (older
/// layouts) are scanned to the end and every embedded certificate is returned.
class CertificateScanner {
 public:
  explicit CertificateScanner(std::string source) : source_(std::move(source)) {}
  [[nodiscard]] bool feed(std::span<const std::byte> piece);
  std::vector<model::TrustedCert> finish();
  /// True when system_certificate_list was recognised by its size.
  bool found_list() const { return complete_; }

 private:
  void feed_bytes(std::span<const std::byte> piece);
  /// Scans candidate offsets below `limit` (absolute); at_end: the blob ends at the window.
  void scan(uint64_t limit, bool at_end);
  /// Whether [start, end) is followed by zero fill and its own length at an 8-aligned offset.
  bool size_follows(uint64_t start, uint64_t end) const;
  std::string source_;
  std::vector<uint8_t> win_;  ///< blob bytes [base_, base_ + win_.size())
  uint64_t base_ = 0;
  uint64_t pos_ = 0;  ///< next absolute offset to examine
  std::vector<model::TrustedCert> out_;
  uint64_t run_start_ = 0, run_end_ = UINT64_MAX;  ///< current run of adjacent certificates
  size_t run_first_ = 0;                           ///< index in out_ of its first certificate
  bool complete_ = false;
};

}  // namespace ofsck::read
