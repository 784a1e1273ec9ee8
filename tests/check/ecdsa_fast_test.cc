// ecdsa_verify_digest() must decide exactly as EVP_PKEY_verify() does: same key, digest and
// DER signature, same answer, for good, altered and non-strict-DER signatures.
#include "check/ecdsa_fast.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>
#include <vector>

namespace ofsck::check {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Key generate(const char* type, const char* arg) {
  return Key(arg ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, arg)
                 : EVP_PKEY_Q_keygen(nullptr, nullptr, type, size_t{2048}),
             EVP_PKEY_free);
}

std::vector<unsigned char> sign(EVP_PKEY* key, const std::vector<unsigned char>& digest) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  size_t n = 0;
  EXPECT_EQ(EVP_PKEY_sign_init(ctx), 1);
  EXPECT_EQ(EVP_PKEY_sign(ctx, nullptr, &n, digest.data(), digest.size()), 1);
  std::vector<unsigned char> sig(n);
  EXPECT_EQ(EVP_PKEY_sign(ctx, sig.data(), &n, digest.data(), digest.size()), 1);
  sig.resize(n);
  EVP_PKEY_CTX_free(ctx);
  return sig;
}

bool evp_verify(EVP_PKEY* key, const std::vector<unsigned char>& sig,
                const std::vector<unsigned char>& digest) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  bool ok = EVP_PKEY_verify_init(ctx) == 1 &&
            EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

TEST(EcdsaFast, AgreesWithEvpOnGoodAlteredAndLooseDer) {
  for (const char* curve : {"P-384", "P-256"}) {
    Key key = generate("EC", curve);
    ASSERT_TRUE(key) << curve;
    std::vector<unsigned char> digest(32, 0x5a);
    std::vector<unsigned char> sig = sign(key.get(), digest);
    std::vector<std::pair<std::vector<unsigned char>, std::vector<unsigned char>>> cases;
    cases.push_back({sig, digest});  // good
    auto other = digest;
    other[0] ^= 1;
    cases.push_back({sig, other});  // content altered after signing
    auto flipped = sig;
    flipped[flipped.size() - 1] ^= 1;
    cases.push_back({flipped, digest});  // signature altered
    auto padded = sig;
    padded.push_back(0);
    cases.push_back({padded, digest});       // trailing byte: not strict DER
    for (int round = 0; round < 2; ++round)  // second round: the cached table
      for (const auto& [s, d] : cases) {
        std::optional<bool> fast = ecdsa_verify_digest(key.get(), s, d);
        ASSERT_TRUE(fast.has_value());
        EXPECT_EQ(*fast, evp_verify(key.get(), s, d)) << curve;
      }
    EXPECT_TRUE(*ecdsa_verify_digest(key.get(), sig, digest)) << curve;
  }
}

TEST(EcdsaFast, LeavesOtherKeysToEvp) {
  Key rsa = generate("RSA", nullptr);
  ASSERT_TRUE(rsa);
  std::vector<unsigned char> digest(32, 1);
  EXPECT_FALSE(ecdsa_verify_digest(rsa.get(), sign(rsa.get(), digest), digest).has_value());
}

}  // namespace
}  // namespace ofsck::check
