// kernel/module/signing.c mod_verify_sig() + crypto/asymmetric_keys/pkcs7_verify.c: a PKCS#7
// SignerInfo names its key by issuer+serial; an unknown key is -ENOKEY, a known key whose
// signature does not verify is -EKEYREJECTED (fatal even when not enforced).
#include "check/signature_check.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <fmt/format.h>

#include <array>
#include <map>
#include <mutex>
#include <vector>

#include "check/ecdsa_fast.hpp"
#include "read/signature.hpp"

namespace ofsck::check {

namespace {

/// Public keys parsed once per certificate and thread, freed when the thread ends.
struct KeyCache {
  std::map<std::string, EVP_PKEY*> keys;
  ~KeyCache() {
    for (auto& [der, key] : keys) EVP_PKEY_free(key);
  }
};

/// The certificate's public key, parsed once per certificate. Per thread: OpenSSL serialises
/// operations on one shared EVP_PKEY, and verification runs on every core.
EVP_PKEY* public_key(const model::TrustedCert& cert) {
  thread_local KeyCache cache;
  const std::string der(cert.der.begin(), cert.der.end());
  auto it = cache.keys.find(der);
  if (it != cache.keys.end()) return it->second;
  const unsigned char* p = cert.der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(cert.der.size()));
  EVP_PKEY* key = x ? X509_get_pubkey(x) : nullptr;
  X509_free(x);
  cache.keys.emplace(der, key);
  return key;
}

/// SHA-256 of a certificate, computed once per certificate and thread (the memo key of every
/// verification names the certificate by it).
std::array<unsigned char, 32> fingerprint(const model::TrustedCert& cert) {
  thread_local std::vector<std::pair<std::vector<uint8_t>, std::array<unsigned char, 32>>> known;
  for (const auto& [der, fp] : known)
    if (der == cert.der) return fp;
  std::array<unsigned char, 32> fp{};
  unsigned int n = 0;
  EVP_Digest(cert.der.data(), cert.der.size(), fp.data(), &n, EVP_sha256(), nullptr);
  known.emplace_back(cert.der, fp);
  return known.back().second;
}

/// Verifies `signature` over a precomputed digest with the certificate's public key.
bool verify_digest(const model::TrustedCert& cert, const model::Signature& sig) {
  EVP_PKEY* key = public_key(cert);
  if (!key) return false;
  bool ok = false;
  const EVP_MD* md = EVP_get_digestbyname(sig.hash_algo.c_str());
  // The provider refuses a digest whose length is not the named hash's; so does this path.
  if (md && sig.content_digest.size() != static_cast<size_t>(EVP_MD_get_size(md))) return false;
  if (std::optional<bool> ec = ecdsa_verify_digest(key, sig.signature, sig.content_digest))
    return *ec;
  if (EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr)) {
    if (EVP_PKEY_verify_init(ctx) == 1 && (!md || EVP_PKEY_CTX_set_signature_md(ctx, md) == 1)) {
      if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
      ok = EVP_PKEY_verify(ctx, sig.signature.data(), sig.signature.size(),
                           sig.content_digest.data(), sig.content_digest.size()) == 1;
    }
    EVP_PKEY_CTX_free(ctx);
  }
  return ok;
}

/// pkcs7_parse_message() → pkcs7_sig_note_pkey_algo()/pkcs7_sig_note_digest_algo(): an
/// algorithm the target kernel does not know is "Unsupported pkey algo"/"Unsupported digest
/// algo", -ENOPKG, before any key is looked up. ML-DSA came with 7.0, SHA-3 digests with 6.7.
/// "" when the kernel knows both (or its version is unknown).
std::string kernel_lacks(const model::Signature& sig, const model::KernelFacts& k) {
  if (k.major == 0) return "";
  const int v = k.major * 100 + k.minor;
  if (read::is_ml_dsa(sig.pkey_algo) && v < 700)
    return fmt::format("{} signatures need Linux 7.0 or later", sig.pkey_algo);
  if (read::is_sha3(sig.hash_algo) && v < 607)
    return fmt::format("{} digests need Linux 6.7 or later", sig.hash_algo);
  return "";
}

/// The verdict for a signature by trusted key `c` that this machine cannot check.
SigVerdict cannot_verify(SigVerdict v, const std::string& alg, const model::TrustedCert& c) {
  v.status = SigStatus::kUnknown;
  v.detail = fmt::format("cannot verify: {} not supported here ({}); the signer is the trusted "
                         "key '{}' from {}, so the kernel accepts the module if the signature is "
                         "genuine, but ofsck cannot tell it from a file altered after signing",
                         alg, OpenSSL_version(OPENSSL_VERSION), c.subject_cn, c.source);
  return v;
}

/// The memo key of one verification: SHA-256 over what its outcome depends on (the
/// certificate, the signature, the content digest and its algorithm).
std::string memo_key(const model::TrustedCert& c, const model::Signature& sig) {
  const std::array<unsigned char, 32> cert_fp = fingerprint(c);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, cert_fp.data(), cert_fp.size());
  EVP_DigestUpdate(ctx, sig.signature.data(), sig.signature.size());
  EVP_DigestUpdate(ctx, sig.content_digest.data(), sig.content_digest.size());
  EVP_DigestUpdate(ctx, sig.hash_algo.data(), sig.hash_algo.size());
  EVP_DigestFinal_ex(ctx, md, &mdlen);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(md), mdlen);
}

/// Whether the signature verifies with `c`, through the memo `verified` when there is one.
bool verify_memoised(const model::TrustedCert& c, const model::Signature& sig,
                     read::KeyValueCache* verified) {
  if (!verified) return verify_digest(c, sig);
  // The public-key operation is the expensive part; its outcome depends only on the key.
  const std::string key = memo_key(c, sig);
  uint8_t memo = 0;
  if (verified->get(key, memo)) return memo == 1;
  const bool good = verify_digest(c, sig);
  verified->put(key, good ? 1 : 0);
  return good;
}

/// The verdict for a signature whose issuer and serial name the trusted key `c`.
SigVerdict verify_with_trusted(SigVerdict v, const model::Signature& sig,
                               const model::TrustedCert& c, read::KeyValueCache* verified) {
  // Never a false -EKEYREJECTED: an algorithm OpenSSL here lacks is said, not failed.
  if (std::string alg = read::unverifiable_algorithm(sig); !alg.empty())
    return cannot_verify(std::move(v), alg, c);
  if (sig.content_digest.empty()) {
    v.status = SigStatus::kOk;
    v.detail = fmt::format("signed by trusted key '{}' from {} (content not verified)",
                           c.subject_cn, c.source);
    return v;
  }
  v.content_verified = true;
  if (verify_memoised(c, sig, verified)) {
    v.status = SigStatus::kOk;
    v.detail = fmt::format("signature verified with '{}' from {}", c.subject_cn, c.source);
  } else {
    v.status = SigStatus::kRejected;
    v.detail = fmt::format("signature does not verify with trusted key '{}' from {}: the "
                           "file was changed after it was signed",
                           c.subject_cn, c.source);
  }
  return v;
}

/// The checks the kernel's PKCS#7 parser makes before it looks up a key: false (and `v` set)
/// when the signature stops there.
bool passes_message_checks(const model::Signature& sig, const model::KernelFacts& k,
                           SigVerdict& v) {
  switch (sig.kind) {
    case model::SigKind::kNone:
      v.status = SigStatus::kUnsigned;
      v.detail = "no signature appended";
      return false;
    case model::SigKind::kPkcs7: break;
    default:
      // mod_check_sig(): id_type != PKEY_ID_PKCS7 → -ENOPKG (upstream ≥ 4.3).
      v.status = SigStatus::kUnsupported;
      v.detail = "signature is not a PKCS#7 message";
      return false;
  }
  if (!sig.problem.empty()) {
    v.status = SigStatus::kBadMessage;
    v.detail = sig.problem;
    return false;
  }
  if (std::string why = kernel_lacks(sig, k); !why.empty()) {
    v.status = SigStatus::kUnsupported;
    v.detail = fmt::format("{}: the kernel's PKCS#7 parser rejects it (-ENOPKG)", why);
    return false;
  }
  return true;
}

}  // namespace

SigVerdict verify_signature(const model::Signature& sig, const model::KernelFacts& k,
                            read::KeyValueCache* verified) {
  SigVerdict v;
  v.key = sig.signer.empty() ? sig.key_id : fmt::format("{} ({})", sig.signer, sig.key_id);
  if (!passes_message_checks(sig, k, v)) return v;
  for (const auto& c : k.trusted)
    if (c.issuer_der == sig.issuer_der && c.serial == sig.serial)
      return verify_with_trusted(std::move(v), sig, c, verified);
  for (const auto& a : k.assumed) {
    if (a.issuer_der == sig.issuer_der && a.serial == sig.serial) {
      v.status = SigStatus::kOk;
      v.detail = fmt::format("signed by '{}', the key that signed the kernel's own modules "
                             "(assumed trusted; content not verified)",
                             a.signer);
      return v;
    }
  }
  if (!k.trust_known) {
    v.status = SigStatus::kUnknown;
    v.detail = "the kernel's trusted keys are unknown";
    return v;
  }
  v.status = SigStatus::kNoKey;
  v.detail = fmt::format("key '{}' is not trusted by the target kernel", v.key);
  return v;
}

}  // namespace ofsck::check
