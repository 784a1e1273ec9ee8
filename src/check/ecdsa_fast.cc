// The legacy EC_KEY interface is the only one that takes a precomputed generator table
// (EC_GROUP_precompute_mult); OpenSSL 3.0 deprecates it but keeps it.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "check/ecdsa_fast.hpp"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>

#include <unordered_map>

namespace ofsck::check {

namespace {

/// EC keys with a precomputed generator, per source key and thread (freed when it ends).
struct EcCache {
  std::unordered_map<EVP_PKEY*, EC_KEY*> keys;
  ~EcCache() {
    for (auto& [pkey, ec] : keys) EC_KEY_free(ec);
  }
};

/// A copy of `key`'s EC public key whose group carries the generator table; nullptr when the
/// key is not EC or the copy fails (then the caller's EVP path decides).
EC_KEY* precomputed(EVP_PKEY* key) {
  thread_local EcCache cache;
  auto it = cache.keys.find(key);
  if (it != cache.keys.end()) return it->second;
  EC_KEY* out = nullptr;
  if (EC_KEY* ec = EVP_PKEY_get1_EC_KEY(key)) {
    EC_GROUP* g = EC_GROUP_dup(EC_KEY_get0_group(ec));
    out = EC_KEY_new();
    if (!g || !out || EC_GROUP_precompute_mult(g, nullptr) != 1 || EC_KEY_set_group(out, g) != 1 ||
        EC_KEY_set_public_key(out, EC_KEY_get0_public_key(ec)) != 1) {
      EC_KEY_free(out);
      out = nullptr;
    }
    EC_GROUP_free(g);
    EC_KEY_free(ec);
  }
  cache.keys.emplace(key, out);
  return out;
}

}  // namespace

std::optional<bool> ecdsa_verify_digest(EVP_PKEY* key, std::span<const unsigned char> der_sig,
                                        std::span<const unsigned char> digest) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return std::nullopt;
  EC_KEY* ec = precomputed(key);
  if (!ec) return std::nullopt;
  // ECDSA_verify(): strict DER (re-encoded and compared), then ECDSA_do_verify(), as the
  // default provider's verify does.
  return ECDSA_verify(0, digest.data(), static_cast<int>(digest.size()), der_sig.data(),
                      static_cast<int>(der_sig.size()), ec) == 1;
}

}  // namespace ofsck::check
