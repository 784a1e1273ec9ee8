#include "read/x509.hpp"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "read/buffer.hpp"

namespace ofsck::read {

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string name_cn(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

std::vector<uint8_t> name_der(const X509_NAME* name) {
  const unsigned char* p = nullptr;
  size_t len = 0;
  if (X509_NAME_get0_der(const_cast<X509_NAME*>(name), &p, &len) != 1) return {};
  return std::vector<uint8_t>(p, p + len);
}

model::TrustedCert from_x509(X509* x, const std::string& source) {
  model::TrustedCert c;
  int len = i2d_X509(x, nullptr);
  if (len > 0) {
    c.der.resize(static_cast<size_t>(len));
    unsigned char* out = c.der.data();
    i2d_X509(x, &out);
  }
  c.subject_cn = name_cn(X509_get_subject_name(x));
  c.issuer_cn = name_cn(X509_get_issuer_name(x));
  c.issuer_der = name_der(X509_get_issuer_name(x));
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr)) {
    c.serial.resize(static_cast<size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, c.serial.data());
    BN_free(bn);
  }
  if (const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(x)) {
    const unsigned char* d = ASN1_STRING_get0_data(skid);
    c.skid.assign(d, d + ASN1_STRING_length(skid));
  }
  c.source = source;
  return c;
}

}  // namespace

Result<model::TrustedCert> parse_certificate_der(std::span<const uint8_t> der,
                                                 const std::string& source) {
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return make_error(ErrorCode::kMalformed, "not a DER X.509 certificate", {source});
  return from_x509(x.get(), source);
}

Result<std::vector<model::TrustedCert>> load_certificate_file(const std::string& path) {
  auto buf_or = read_whole_file(path, 16u << 20);
  if (!buf_or) return tl::unexpected(buf_or.error());
  auto bytes = buf_or->span();
  std::vector<model::TrustedCert> out;
  const char* kPem = "-----BEGIN";
  if (bytes.size() >= 10 && std::memcmp(bytes.data(), kPem, 10) == 0) {
    BIO* bio = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
    while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      out.push_back(from_x509(x, path));
      X509_free(x);
    }
    BIO_free(bio);
  } else {
    std::span<const uint8_t> der(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    auto c = parse_certificate_der(der, path);
    if (c) out.push_back(std::move(*c));
  }
  if (out.empty())
    return make_error(ErrorCode::kMalformed, "no DER or PEM X.509 certificate in file", {path});
  return out;
}

namespace {
// A certificate starts SEQUENCE(long form) { SEQUENCE(long form) { [0] { INTEGER 2 } ...
// i.e. 30 82 hh ll 30 82 hh ll a0 03 02 01 02: selective enough to try d2i_X509 on each hit.
constexpr uint8_t kTail[] = {0xa0, 0x03, 0x02, 0x01, 0x02};
constexpr uint64_t kMaxCert = 0xffff + 4;
// Zero bytes allowed between the list and its size: the reserved extra-certificate area
// (CONFIG_SYSTEM_EXTRA_CERTIFICATE_SIZE, 4 KiB by default) and alignment.
constexpr uint64_t kMaxFill = uint64_t{64} << 10;
// Every examined offset has this much of the blob after it (unless the blob ends first).
constexpr uint64_t kCertLookahead = kMaxCert + kMaxFill + 8;
}  // namespace

void CertificateScanner::feed_bytes(std::span<const std::byte> piece) {
  // Drop what lies before the next offset to examine once it outweighs the lookahead.
  const uint64_t dead = pos_ - base_;
  if (dead >= (uint64_t{1} << 20) && dead >= win_.size() / 2) {
    win_.erase(win_.begin(), win_.begin() + static_cast<ptrdiff_t>(dead));
    base_ = pos_;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(piece.data());
  win_.insert(win_.end(), p, p + piece.size());
}

bool CertificateScanner::feed(std::span<const std::byte> piece) {
  if (complete_) return false;
  feed_bytes(piece);
  const uint64_t end = base_ + win_.size();
  if (end >= kCertLookahead) scan(end - kCertLookahead + 1, false);
  return !complete_;
}

std::vector<model::TrustedCert> CertificateScanner::finish() {
  if (!complete_) scan(base_ + win_.size(), true);
  win_.clear();
  win_.shrink_to_fit();
  return std::move(out_);
}

bool CertificateScanner::size_follows(uint64_t start, uint64_t end) const {
  const uint64_t len = end - start;
  const uint64_t avail = base_ + win_.size();
  const uint64_t limit = std::min(avail, end + kMaxFill + 8);
  for (uint64_t q = end; q + 4 <= limit; ++q) {
    const uint8_t* b = win_.data() + (q - base_);
    if (q % 8 == 0 &&
        (uint64_t{b[0]} | uint64_t{b[1]} << 8 | uint64_t{b[2]} << 16 | uint64_t{b[3]} << 24) == len)
      return true;
    if (*b != 0) return false;
  }
  return false;
}

void CertificateScanner::scan(uint64_t limit, bool at_end) {
  // Offsets are absolute, d indexes the window. Not at the end, every offset below `limit` has
  // kCertLookahead bytes after it in the window, so the bounds below hold.
  const uint8_t* d = win_.data();
  const uint64_t n = base_ + win_.size();  // blob size when at_end
  uint64_t i = pos_;
  if (at_end) limit = n >= 12 ? n - 12 : 0;  // i + 13 <= n
  while (i < limit) {
    const void* hit = std::memchr(d + (i - base_), 0x30, limit - i);
    if (!hit) {
      i = limit;
      break;
    }
    i = base_ + static_cast<uint64_t>(static_cast<const uint8_t*>(hit) - d);
    const uint8_t* c = d + (i - base_);
    if (c[1] == 0x82 && c[4] == 0x30 && c[5] == 0x82 &&
        std::memcmp(c + 8, kTail, sizeof kTail) == 0) {
      uint64_t len = (uint64_t{c[2]} << 8 | c[3]) + 4;
      if (len <= n - i) {
        const unsigned char* q = c;
        if (X509* x = d2i_X509(nullptr, &q, static_cast<long>(len))) {
          if (i != run_end_) {  // a new run of back-to-back certificates
            run_start_ = i;
            run_first_ = out_.size();
          }
          out_.push_back(from_x509(x, source_));
          X509_free(x);
          i += len;
          run_end_ = i;
          if (size_follows(run_start_, run_end_)) {
            // This run is system_certificate_list: exactly what the kernel loads into its
            // builtin trusted keyring. Certificates met elsewhere in the image are not keys.
            out_.erase(out_.begin(), out_.begin() + static_cast<ptrdiff_t>(run_first_));
            complete_ = true;
            break;
          }
          continue;
        }
      }
    }
    ++i;
  }
  pos_ = std::max(pos_, i);
}

}  // namespace ofsck::read
