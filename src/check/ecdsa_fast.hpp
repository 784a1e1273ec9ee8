#pragma once
/// ECDSA verification with a table of multiples of the curve's generator, built once per key
/// and thread. Every module of a tree is signed by the same key, so the table (~10 ms) pays
/// for itself after a handful of modules: a P-384 verification costs ~30% less (the 7.x tree's
/// 4,216 signatures are ~2.5 s of CPU otherwise). The arithmetic is OpenSSL's own
/// ECDSA_do_verify(); only the table is added, so the verdict is the same as EVP_PKEY_verify().
#include <openssl/evp.h>

#include <optional>
#include <span>

namespace ofsck::check {

/// nullopt when `key` is not an EC key (the caller verifies through EVP); else whether the
/// DER signature verifies over `digest`.
std::optional<bool> ecdsa_verify_digest(EVP_PKEY* key, std::span<const unsigned char> der_sig,
                                        std::span<const unsigned char> digest);

}  // namespace ofsck::check
