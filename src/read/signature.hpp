#pragma once
/// The appended module signature: "~Module signature appended~\n" preceded by the 12-byte
/// struct module_signature (kernel-semantics.md §5.3). Decoding mirrors kmod's
/// libkmod-signature.c for the reported fields and the kernel's mod_check_sig() for validity.
#include <cstdint>
#include <span>

#include "model/module.hpp"
#include "read/elf/source.hpp"

namespace ofsck::read {

/// The trailer marker, without a terminating NUL.
inline constexpr char kSigMarker[] = "~Module signature appended~\n";
inline constexpr uint64_t kSigMarkerLen = sizeof(kSigMarker) - 1;  // 28
inline constexpr uint64_t kModuleSignatureLen = 12;

/// Reads and decodes the trailer at the end of `src`. Never fails the read: I/O problems and
/// malformed trailers are reported in Signature::problem. kind == kNone when unsigned.
[[nodiscard]] model::Signature read_signature(elf::ByteSource& src);

/// Convenience over an in-memory image.
[[nodiscard]] model::Signature parse_signature(std::span<const std::byte> image);

/// Computes sig.content_digest = hash_algo(image[0, signed_len)) with OpenSSL EVP. Returns
/// false (digest left empty) when the algorithm is unknown or signed_len is out of range.
bool compute_signed_digest(std::span<const std::byte> image, model::Signature& sig);

/// The same digest over a file, read in pieces into a per-thread buffer (no copy of the whole
/// module is held). Returns false (digest left empty) as above; read errors are returned.
[[nodiscard]] Result<bool> compute_signed_digest(elf::FileSource& src, model::Signature& sig);

/// The name ofsck gives a PKCS#7 digestEncryptionAlgorithm: FIPS 204 ML-DSA by its OID
/// (2.16.840.1.101.3.4.3.17/18/19 → "ML-DSA-44/65/87", the kernel's OID_id_ml_dsa_*, which
/// OpenSSL 3.0 does not know), else OpenSSL's short name, else the dotted OID.
[[nodiscard]] std::string pkey_algo_name(const std::string& dotted_oid);

/// True for "ML-DSA-44", "ML-DSA-65", "ML-DSA-87" (pkcs7_sig_note_pkey_algo(): Linux 7.0+).
[[nodiscard]] bool is_ml_dsa(const std::string& pkey_algo);

/// True for "sha3-256", "sha3-384", "sha3-512" (pkcs7_sig_note_digest_algo(): Linux 6.7+).
[[nodiscard]] bool is_sha3(const std::string& hash_algo);

/// The algorithm of `sig` that this machine's OpenSSL cannot verify with (e.g. "ML-DSA-65",
/// or a digest it does not provide), or "" when it can verify the signature. ML-DSA is never
/// verifiable here: OpenSSL 3.0 has no ML-DSA, and ML-DSA signs the data itself
/// (the kernel's algo_does_hash), not the digest ofsck verifies against.
[[nodiscard]] std::string unverifiable_algorithm(const model::Signature& sig);

/// Colon-separated uppercase hex ("6A:39:FB"), as kmod prints sig_key.
[[nodiscard]] std::string hex_colon(std::span<const uint8_t> bytes);

}  // namespace ofsck::read
