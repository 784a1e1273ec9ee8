#include "read/signature.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace ofsck::read {
namespace {

// kmod's pkey_hash_algo[] / pkey_algo[] tables (libkmod-signature.c), indexed by the legacy
// trailer's hash/algo bytes.
constexpr const char* kHashAlgo[] = {"md4",    "md5",    "sha1",   "rmd160", "sha256",
                                     "sha384", "sha512", "sha224", "sm3"};
constexpr const char* kPkeyAlgo[] = {"DSA", "RSA"};

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7, PKCS7_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

std::vector<uint8_t> to_vec(std::span<const std::byte> s) {
  std::vector<uint8_t> v(s.size());
  if (!s.empty()) std::memcpy(v.data(), s.data(), s.size());
  return v;
}

/// kmod's obj_to_hash_algo(): NID → its table name; other digests get OpenSSL's long name
/// (lower case, e.g. "sha3-256").
std::string hash_name(int nid) {
  switch (nid) {
    case NID_md4: return "md4";
    case NID_md5: return "md5";
    case NID_sha1: return "sha1";
    case NID_ripemd160: return "rmd160";
    case NID_sha256: return "sha256";
    case NID_sha384: return "sha384";
    case NID_sha512: return "sha512";
    case NID_sha224: return "sha224";
    default: break;
  }
  const char* ln = OBJ_nid2ln(nid);
  return ln ? ln : "unknown";
}

std::string obj_name(const ASN1_OBJECT* o) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, o, 1);
  return pkey_algo_name(
      n > 0 ? std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1)) : "");
}

/// kmod x509_name_to_str(): the commonName, or the last RDN when there is none.
std::string signer_of(X509_NAME* name) {
  int count = X509_NAME_entry_count(name);
  if (count <= 0) return "";
  X509_NAME_ENTRY* e = nullptr;
  for (int i = 0; i < count; ++i) {
    e = X509_NAME_get_entry(name, i);
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName) break;
  }
  ASN1_STRING* d = X509_NAME_ENTRY_get_data(e);
  if (!d) return "";
  const unsigned char* p = ASN1_STRING_get0_data(d);
  int len = ASN1_STRING_length(d);
  if (!p || len <= 0) return "";
  // kmod prints it as a C string: stop at an embedded NUL.
  std::string s(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
  if (size_t z = s.find('\0'); z != std::string::npos) s.resize(z);
  return s;
}

void fill_pkcs7(std::span<const std::byte> der, model::Signature& sig) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (!p7) {
    sig.problem = "PKCS#7 message is not valid DER";
    return;
  }
  if (!PKCS7_type_is_signed(p7.get()) || !p7->d.sign) {
    sig.problem = "PKCS#7 message is not SignedData";
    return;
  }
  STACK_OF(PKCS7_SIGNER_INFO)* sis = PKCS7_get_signer_info(p7.get());
  if (!sis || sk_PKCS7_SIGNER_INFO_num(sis) < 1) {
    sig.problem = "PKCS#7 SignedData has no SignerInfo";
    return;
  }
  if (sk_PKCS7_SIGNER_INFO_num(sis) > 1)
    sig.problem = "PKCS#7 SignedData has more than one SignerInfo";
  PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
  if (!si || !si->issuer_and_serial || !si->issuer_and_serial->issuer ||
      !si->issuer_and_serial->serial) {
    sig.problem = "PKCS#7 SignerInfo lacks issuerAndSerialNumber";
    return;
  }
  X509_NAME* issuer = si->issuer_and_serial->issuer;
  sig.signer = signer_of(issuer);
  unsigned char* der_out = nullptr;
  int dl = i2d_X509_NAME(issuer, &der_out);
  if (dl > 0 && der_out) sig.issuer_der.assign(der_out, der_out + dl);
  OPENSSL_free(der_out);
  BnPtr bn(ASN1_INTEGER_to_BN(si->issuer_and_serial->serial, nullptr));
  if (bn) {
    sig.serial.resize(static_cast<size_t>(BN_num_bytes(bn.get())));
    BN_bn2bin(bn.get(), sig.serial.data());
  }
  sig.key_id = hex_colon(sig.serial);
  if (si->digest_alg && si->digest_alg->algorithm)
    sig.hash_algo = hash_name(OBJ_obj2nid(si->digest_alg->algorithm));
  if (si->digest_enc_alg && si->digest_enc_alg->algorithm)
    sig.pkey_algo = obj_name(si->digest_enc_alg->algorithm);
  if (si->enc_digest) {
    const unsigned char* d = ASN1_STRING_get0_data(si->enc_digest);
    int n = ASN1_STRING_length(si->enc_digest);
    if (d && n > 0) sig.signature.assign(d, d + n);
  }
}

/// What fill_pkcs7() put into a Signature, for a message that parsed with no problem.
struct Pkcs7Template {
  std::vector<std::byte> head;  ///< the message up to its encryptedDigest content (the tail)
  size_t tail = 0;              ///< length of the encryptedDigest content
  model::Signature fields;      ///< signer, issuer_der, serial, key_id, hash_algo, pkey_algo
};

/// One DER element at d[i]: single-byte tag, definite length. Sets the content [b, e).
bool der_element(const uint8_t* d, size_t n, size_t i, uint8_t& tag, size_t& b, size_t& e) {
  if (i + 2 > n) return false;
  tag = d[i];
  if ((tag & 0x1f) == 0x1f) return false;
  size_t len = d[i + 1], h = 2;
  if (len & 0x80) {
    size_t nb = len & 0x7f;
    if (nb == 0 || nb > 3 || i + 2 + nb > n) return false;
    len = 0;
    for (size_t j = 0; j < nb; ++j) len = len << 8 | d[i + 2 + j];
    h += nb;
  }
  if (len > n - i - h) return false;
  b = i + h;
  e = b + len;
  return true;
}

/// The last child of a constructed element's content [b, e), which must tile exactly.
bool der_last_child(const uint8_t* d, size_t n, size_t b, size_t e, uint8_t& tag, size_t& cb,
                    size_t& ce) {
  if (b >= e) return false;
  for (size_t i = b; i < e; i = ce)
    if (!der_element(d, n, i, tag, cb, ce) || ce > e) return false;
  return true;
}

/// True when `der` is a definite-length ContentInfo { oid, [0] SignedData {..., signerInfos
/// SET { ..., SignerInfo { ..., encryptedDigest OCTET STRING } } } } that ends exactly with
/// that primitive OCTET STRING, whose content is `s`. Then any message with the same bytes
/// before the content and a content of the same length decodes to the same fields with that
/// content as encryptedDigest (an OCTET STRING's content steers no decoding).
bool digest_is_tail(std::span<const std::byte> der, const std::vector<uint8_t>& s) {
  const size_t n = der.size(), k = s.size();
  if (k == 0 || k >= n) return false;
  const auto* d = reinterpret_cast<const uint8_t*>(der.data());
  uint8_t tag;
  size_t b, e;
  if (!der_element(d, n, 0, tag, b, e) || tag != 0x30 || e != n) return false;
  static const uint8_t kChain[] = {0xa0, 0x30, 0x31, 0x30, 0x04};
  for (uint8_t want : kChain) {
    if (!der_last_child(d, n, b, e, tag, b, e) || tag != want || e != n) return false;
  }
  return b == n - k && std::memcmp(d + b, s.data(), k) == 0;
}

/// fill_pkcs7() with a per-thread memo: every module of a distribution kernel carries the same
/// PKCS#7 message but for the encryptedDigest, and d2i_PKCS7 is most of the cost of reading a
/// signed module. Same effect on `sig` as fill_pkcs7() (whose `problem` the caller has cleared).
void fill_pkcs7_memo(std::span<const std::byte> der, model::Signature& sig) {
  thread_local Pkcs7Template memo;
  const size_t n = der.size();
  if (memo.tail != 0 && n == memo.head.size() + memo.tail &&
      std::memcmp(der.data(), memo.head.data(), memo.head.size()) == 0) {
    const model::Signature& f = memo.fields;
    sig.signer = f.signer;
    sig.issuer_der = f.issuer_der;
    sig.serial = f.serial;
    sig.key_id = f.key_id;
    sig.hash_algo = f.hash_algo;
    sig.pkey_algo = f.pkey_algo;
    const auto* t = reinterpret_cast<const uint8_t*>(der.data()) + memo.head.size();
    sig.signature.assign(t, t + memo.tail);
    return;
  }
  fill_pkcs7(der, sig);
  if (!sig.problem.empty() || !digest_is_tail(der, sig.signature)) return;
  memo.tail = sig.signature.size();
  memo.head.assign(der.begin(), der.end() - static_cast<ptrdiff_t>(memo.tail));
  memo.fields.signer = sig.signer;
  memo.fields.issuer_der = sig.issuer_der;
  memo.fields.serial = sig.serial;
  memo.fields.key_id = sig.key_id;
  memo.fields.hash_algo = sig.hash_algo;
  memo.fields.pkey_algo = sig.pkey_algo;
}

}  // namespace

std::string pkey_algo_name(const std::string& oid) {
  // include/linux/oid_registry.h: OID_id_ml_dsa_44/65/87 (NIST CSOR sigAlgs 17, 18, 19).
  if (oid == "2.16.840.1.101.3.4.3.17") return "ML-DSA-44";
  if (oid == "2.16.840.1.101.3.4.3.18") return "ML-DSA-65";
  if (oid == "2.16.840.1.101.3.4.3.19") return "ML-DSA-87";
  ASN1_OBJECT* o = OBJ_txt2obj(oid.c_str(), 1);
  const int nid = o ? OBJ_obj2nid(o) : NID_undef;
  ASN1_OBJECT_free(o);
  if (nid != NID_undef)
    if (const char* sn = OBJ_nid2sn(nid)) return sn;
  return oid;
}

bool is_ml_dsa(const std::string& a) {
  return a == "ML-DSA-44" || a == "ML-DSA-65" || a == "ML-DSA-87";
}

bool is_sha3(const std::string& h) { return h == "sha3-256" || h == "sha3-384" || h == "sha3-512"; }

std::string unverifiable_algorithm(const model::Signature& sig) {
  if (is_ml_dsa(sig.pkey_algo)) return sig.pkey_algo;
  if (!sig.hash_algo.empty() && !EVP_get_digestbyname(sig.hash_algo.c_str())) return sig.hash_algo;
  return "";
}

std::string hex_colon(std::span<const uint8_t> bytes) {
  std::string s;
  s.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) s.push_back(':');
    s += fmt::format("{:02X}", bytes[i]);
  }
  return s;
}

namespace {

/// The fields of the kernel's struct module_signature (the 12 bytes before the marker).
void decode_module_signature(const uint8_t* ms, model::Signature& sig) {
  sig.algo = ms[0];
  sig.hash = ms[1];
  sig.id_type = ms[2];
  sig.signer_len = ms[3];
  sig.key_id_len = ms[4];
  sig.sig_len =
      (uint32_t{ms[8]} << 24) | (uint32_t{ms[9]} << 16) | (uint32_t{ms[10]} << 8) | ms[11];
  switch (sig.id_type) {
    case 0: sig.kind = model::SigKind::kPgp; break;
    case 1: sig.kind = model::SigKind::kX509Legacy; break;
    case 2: sig.kind = model::SigKind::kPkcs7; break;
    default: sig.kind = model::SigKind::kUnknown; break;
  }
}

/// Legacy layout (kmod): [image][signer][key_id][sig][struct][marker]; `body` is the size of
/// everything before the struct.
void read_legacy_signature(elf::ByteSource& src, uint64_t body, model::Signature& sig) {
  uint64_t legacy = uint64_t{sig.signer_len} + sig.key_id_len + sig.sig_len;
  if (legacy > body) {
    if (sig.problem.empty()) sig.problem = "legacy signature fields do not fit in the file";
    return;
  }
  sig.signed_len = body - legacy;
  Result<std::span<const std::byte>> all_or = src.read(sig.signed_len, legacy, "legacy signature");
  if (!all_or) return;
  std::span<const std::byte> a = *all_or;
  sig.signer.assign(reinterpret_cast<const char*>(a.data()), sig.signer_len);
  std::vector<uint8_t> kid = to_vec(a.subspan(sig.signer_len, sig.key_id_len));
  sig.key_id = hex_colon(kid);
  sig.signature = to_vec(a.subspan(uint64_t{sig.signer_len} + sig.key_id_len, sig.sig_len));
  if (sig.hash < std::size(kHashAlgo)) sig.hash_algo = kHashAlgo[sig.hash];
  else sig.hash_algo = "unknown";
  if (sig.algo < std::size(kPkeyAlgo)) sig.pkey_algo = kPkeyAlgo[sig.algo];
  else sig.pkey_algo = "unknown";
}

}  // namespace

model::Signature read_signature(elf::ByteSource& src) {
  model::Signature sig;
  uint64_t size = src.size();
  if (size < kSigMarkerLen) return sig;
  Result<std::span<const std::byte>> m_or =
      src.read(size - kSigMarkerLen, kSigMarkerLen, "signature marker");
  if (!m_or) {
    sig.problem = m_or.error().message;
    return sig;
  }
  if (std::memcmp(m_or->data(), kSigMarker, kSigMarkerLen) != 0) return sig;
  // From here on the file claims to be signed.
  uint64_t len = size - kSigMarkerLen;  // the kernel's modlen after stripping the marker
  if (len < kModuleSignatureLen) {
    sig.kind = model::SigKind::kUnknown;
    sig.problem = "signature marker present but no room for struct module_signature";
    return sig;
  }
  Result<std::span<const std::byte>> ms_or =
      src.read(len - kModuleSignatureLen, kModuleSignatureLen, "struct module_signature");
  if (!ms_or) {
    sig.kind = model::SigKind::kUnknown;
    sig.problem = ms_or.error().message;
    return sig;
  }
  const uint8_t* ms = reinterpret_cast<const uint8_t*>(ms_or->data());
  decode_module_signature(ms, sig);
  uint64_t body = len - kModuleSignatureLen;  // bytes before struct module_signature
  // kernel mod_check_sig(): order matters — sig_len range first, then id_type, then params.
  if (sig.sig_len >= body) {
    sig.problem = fmt::format("sig_len 0x{:x} does not fit in the 0x{:x} bytes before the "
                              "signature info (-EBADMSG)",
                              sig.sig_len, body);
    return sig;
  }
  if (sig.id_type != 2) {
    sig.problem = "module: not signed with expected PKCS#7 message (-ENOPKG)";
  } else if (sig.algo != 0 || sig.hash != 0 || sig.signer_len != 0 || sig.key_id_len != 0 ||
             ms[5] != 0 || ms[6] != 0 || ms[7] != 0) {
    sig.problem = "PKCS#7 signature info has unexpected non-zero params (-EBADMSG)";
  }
  if (sig.kind == model::SigKind::kPkcs7) {
    sig.signed_len = body - sig.sig_len;
    Result<std::span<const std::byte>> der_or =
        src.read(sig.signed_len, sig.sig_len, "PKCS#7 signature");
    if (!der_or) {
      if (sig.problem.empty()) sig.problem = der_or.error().message;
      return sig;
    }
    std::string prior = std::move(sig.problem);
    sig.problem.clear();
    fill_pkcs7_memo(*der_or, sig);
    if (!prior.empty()) sig.problem = std::move(prior);
    return sig;
  }
  read_legacy_signature(src, body, sig);
  return sig;
}

model::Signature parse_signature(std::span<const std::byte> image) {
  elf::MemorySource src(image, "");
  return read_signature(src);
}

Result<bool> compute_signed_digest(elf::FileSource& src, model::Signature& sig) {
  sig.content_digest.clear();
  if (sig.kind == model::SigKind::kNone || sig.hash_algo.empty() || sig.signed_len > src.size())
    return false;
  const EVP_MD* md = EVP_get_digestbyname(sig.hash_algo.c_str());
  if (!md) return false;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) return false;
  bool ok = true;
  Result<void> r =
      src.stream(0, sig.signed_len, "signed content", [&](std::span<const std::byte> p) {
        ok = ok && EVP_DigestUpdate(ctx.get(), p.data(), p.size()) == 1;
      });
  if (!r) return tl::unexpected(r.error());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!ok || EVP_DigestFinal_ex(ctx.get(), out, &n) != 1) return false;
  sig.content_digest.assign(out, out + n);
  return true;
}

bool compute_signed_digest(std::span<const std::byte> image, model::Signature& sig) {
  sig.content_digest.clear();
  if (sig.kind == model::SigKind::kNone || sig.hash_algo.empty() || sig.signed_len > image.size())
    return false;
  const EVP_MD* md = EVP_get_digestbyname(sig.hash_algo.c_str());
  if (!md) return false;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(image.data(), sig.signed_len, out, &n, md, nullptr) != 1) return false;
  sig.content_digest.assign(out, out + n);
  return true;
}

}  // namespace ofsck::read
