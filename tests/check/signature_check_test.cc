// verify_signature() on signatures made with openssl(1): SHA-3 digests verify with the
// machine's OpenSSL (or are rejected when the file changed); ML-DSA, which OpenSSL 3.0 cannot
// verify, is said to be unverifiable, never passed silently nor failed.
#include "check/signature_check.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "read/module_reader.hpp"
#include "read/signature.hpp"
#include "read/x509.hpp"
#include "testdata.hpp"

namespace ofsck::check {
namespace {

using testdata::slurp;

/// image + PKCS#7 + struct module_signature + marker, as scripts/sign-file appends them.
std::string append_signature(const std::string& image, const std::string& der) {
  std::string ms(12, '\0');
  ms[2] = 2;  // PKEY_ID_PKCS7
  const uint32_t n = static_cast<uint32_t>(der.size());
  for (int i = 0; i < 4; ++i) ms[8 + i] = static_cast<char>(n >> (24 - 8 * i));
  return image + der + ms + read::kSigMarker;
}

struct SignedModule {
  std::string dir = testdata::make_temp_dir("sigcheck");
  model::KernelFacts k;
  ~SignedModule() { testdata::run("rm -rf '" + dir + "'"); }

  /// Signs the fixture module with a new RSA key and digest `md`; the key's certificate is
  /// what the kernel trusts. `tamper`: one byte of the signed content changes afterwards.
  model::Signature sign(const std::string& md, bool tamper = false) {
    int st = 0;
    std::string log = testdata::run(
        "cd '" + dir + "' && yaml2obj-14 '" + testdata::source_dir() +
            "/tests/fixtures/elf/e4_x86_64.yaml' -o m.o && "
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 2 "
            "-subj '/CN=ofsck " +
            md + " key' -" + md +
            " 2>&1 && "
            "openssl cms -sign -binary -noattr -nocerts -outform DER -in m.o -signer c.pem "
            "-inkey k.pem -md " +
            md + " -out s.der 2>&1",
        &st);
    EXPECT_EQ(st, 0) << log;
    std::string image = slurp(dir + "/m.o");
    if (tamper) image[image.size() / 2] ^= 1;
    std::ofstream(dir + "/m.ko", std::ios::binary)
        << append_signature(image, slurp(dir + "/s.der"));
    auto certs = read::load_certificate_file(dir + "/c.pem");
    EXPECT_TRUE(certs);
    if (certs) k.trusted = *certs;
    k.trust_known = true;
    k.major = 7;
    k.minor = 2;
    read::ReadOptions o;
    o.signed_digest = true;
    auto m = read::read_module(dir + "/m.ko", o);
    EXPECT_TRUE(m) << (m ? "" : to_string(m.error()));
    return m ? m->sig : model::Signature{};
  }
};

TEST(SignatureCheck, Sha3SignaturesVerify) {
  for (const char* md : {"sha3-256", "sha3-384", "sha3-512"}) {
    SignedModule s;
    model::Signature sig = s.sign(md);
    EXPECT_EQ(sig.hash_algo, md);
    SigVerdict v = verify_signature(sig, s.k);
    EXPECT_EQ(v.status, SigStatus::kOk) << md << ": " << v.detail;
    EXPECT_TRUE(v.content_verified) << md;
  }
}

TEST(SignatureCheck, Sha3SignatureOfAlteredFileIsRejected) {
  SignedModule s;
  SigVerdict v = verify_signature(s.sign("sha3-256", /*tamper=*/true), s.k);
  EXPECT_EQ(v.status, SigStatus::kRejected) << v.detail;
}

// Before 6.7 the kernel's PKCS#7 parser knows no SHA-3 digest: -ENOPKG.
TEST(SignatureCheck, Sha3OnAKernelBefore67IsUnsupportedCrypto) {
  SignedModule s;
  model::Signature sig = s.sign("sha3-256");
  s.k.major = 6;
  s.k.minor = 6;
  SigVerdict v = verify_signature(sig, s.k);
  EXPECT_EQ(v.status, SigStatus::kUnsupported) << v.detail;
  EXPECT_NE(v.detail.find("-ENOPKG"), std::string::npos) << v.detail;
}

// OpenSSL 3.0 can make no ML-DSA signature: a real RSA-signed module whose SignerInfo names
// ML-DSA-65 (as fill_pkcs7 names the kernel's OID_id_ml_dsa_65) stands for one. The key is
// trusted, so the verdict is "cannot verify", not a pass and not -EKEYREJECTED.
TEST(SignatureCheck, MlDsaByATrustedKeyCannotBeVerifiedHere) {
  SignedModule s;
  model::Signature sig = s.sign("sha256");
  sig.pkey_algo = read::pkey_algo_name("2.16.840.1.101.3.4.3.18");
  SigVerdict v = verify_signature(sig, s.k);
  EXPECT_EQ(v.status, SigStatus::kUnknown) << v.detail;
  EXPECT_FALSE(v.content_verified);
  EXPECT_EQ(v.detail.rfind("cannot verify: ML-DSA-65 not supported here", 0), 0u) << v.detail;
  // On a 6.x kernel the same signature is unsupported crypto, as the kernel parses it.
  s.k.major = 6;
  s.k.minor = 12;
  EXPECT_EQ(verify_signature(sig, s.k).status, SigStatus::kUnsupported);
  // By a key the kernel does not trust: -ENOKEY whatever the algorithm.
  s.k.major = 7;
  s.k.trusted.clear();
  EXPECT_EQ(verify_signature(sig, s.k).status, SigStatus::kNoKey);
}

}  // namespace
}  // namespace ofsck::check
