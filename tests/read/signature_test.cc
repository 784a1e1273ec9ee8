// Signature trailer decoding: synthetic trailers for the kernel's mod_check_sig() rules and
// the legacy X.509 layout, plus PKCS#7 made with openssl(1) checked against kmod's modinfo.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <tuple>

#include "read/buffer.hpp"
#include "read/module_reader.hpp"
#include "read/signature.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

std::vector<std::byte> bytes_of(const std::string& s) {
  std::vector<std::byte> v(s.size());
  std::memcpy(v.data(), s.data(), s.size());
  return v;
}

/// image + payload + struct module_signature + marker.
std::string trailer(const std::string& image, const std::string& payload, uint8_t id_type,
                    uint8_t algo = 0, uint8_t hash = 0, uint8_t signer_len = 0,
                    uint8_t key_id_len = 0, uint32_t sig_len = UINT32_MAX) {
  if (sig_len == UINT32_MAX)
    sig_len = static_cast<uint32_t>(payload.size() - signer_len - key_id_len);
  std::string ms(12, '\0');
  ms[0] = static_cast<char>(algo);
  ms[1] = static_cast<char>(hash);
  ms[2] = static_cast<char>(id_type);
  ms[3] = static_cast<char>(signer_len);
  ms[4] = static_cast<char>(key_id_len);
  ms[8] = static_cast<char>(sig_len >> 24);
  ms[9] = static_cast<char>(sig_len >> 16);
  ms[10] = static_cast<char>(sig_len >> 8);
  ms[11] = static_cast<char>(sig_len);
  return image + payload + ms + kSigMarker;
}

TEST(Signature, UnsignedAndMarkerOnly) {
  EXPECT_EQ(parse_signature(bytes_of("hello")).kind, model::SigKind::kNone);
  model::Signature s = parse_signature(bytes_of(std::string("ab") + kSigMarker));
  EXPECT_EQ(s.kind, model::SigKind::kUnknown);
  EXPECT_FALSE(s.problem.empty());
}

TEST(Signature, SigLenTooLargeIsEbadmsg) {
  model::Signature s = parse_signature(bytes_of(trailer("IMG", "xx", 2, 0, 0, 0, 0, 1000)));
  EXPECT_EQ(s.kind, model::SigKind::kPkcs7);
  EXPECT_NE(s.problem.find("-EBADMSG"), std::string::npos) << s.problem;
}

TEST(Signature, NonZeroParamsIsEbadmsgAndBadDerIsReported) {
  model::Signature s = parse_signature(bytes_of(trailer("IMAGE", "notder", 2, 1)));
  EXPECT_NE(s.problem.find("unexpected non-zero params"), std::string::npos) << s.problem;
  model::Signature d = parse_signature(bytes_of(trailer("IMAGE", "notder", 2)));
  EXPECT_NE(d.problem.find("DER"), std::string::npos) << d.problem;
  EXPECT_EQ(d.signed_len, 5u);
}

TEST(Signature, LegacyX509Trailer) {
  std::string payload = std::string("Vendor key") + std::string("\x61\xfe\xb0", 3) + "SIGBYTES";
  model::Signature s = parse_signature(bytes_of(trailer("ELFIMAGE", payload, 1, 1, 4, 10, 3)));
  EXPECT_EQ(s.kind, model::SigKind::kX509Legacy);
  EXPECT_EQ(s.signer, "Vendor key");
  EXPECT_EQ(s.key_id, "61:FE:B0");
  EXPECT_EQ(s.hash_algo, "sha256");
  EXPECT_EQ(s.pkey_algo, "RSA");
  EXPECT_EQ(s.signed_len, 8u);
  EXPECT_EQ(std::string(s.signature.begin(), s.signature.end()), "SIGBYTES");
  EXPECT_NE(s.problem.find("-ENOPKG"), std::string::npos);  // modern kernels reject it
}

TEST(Signature, OpensslSignedFixtureMatchesModinfo) {
  // sign-file equivalent: detached, no certs, no attributes; issuer without a CN so kmod
  // falls back to the last RDN; sha512 and a serial with a high bit (DER leading 00).
  std::string dir = testdata::make_temp_dir("sig");
  std::string obj = dir + "/m.ko";
  int st = 0;
  std::string log = testdata::run(
      "cd '" + dir + "' && yaml2obj-14 '" + testdata::source_dir() +
          "/tests/fixtures/elf/e4_x86_64.yaml' -o m.o && "
          "openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 2 "
          "-subj '/O=Ofsck Org/OU=Kernel Unit' -set_serial 0x8899AABBCCDD -sha512 2>&1 && "
          "openssl smime -sign -binary -noattr -nocerts -outform DER -in m.o -signer c.pem "
          "-inkey k.pem -md sha512 -out s.der 2>&1",
      &st);
  ASSERT_EQ(st, 0) << log;
  std::ifstream img(dir + "/m.o", std::ios::binary), der(dir + "/s.der", std::ios::binary);
  std::string image((std::istreambuf_iterator<char>(img)), {}),
      sig((std::istreambuf_iterator<char>(der)), {});
  std::string file = trailer(image, sig, 2);
  std::ofstream(obj, std::ios::binary) << file;
  ReadOptions o;
  o.signed_digest = true;
  Result<model::ModuleFile> m = read_module(obj, o);
  ASSERT_TRUE(m) << to_string(m.error());
  const model::Signature& s = m->sig;
  EXPECT_EQ(s.kind, model::SigKind::kPkcs7);
  EXPECT_TRUE(s.problem.empty()) << s.problem;
  EXPECT_EQ(s.signer, "Kernel Unit");
  EXPECT_EQ(s.key_id, "88:99:AA:BB:CC:DD");
  EXPECT_EQ(s.serial.size(), 6u);
  EXPECT_EQ(s.hash_algo, "sha512");
  EXPECT_EQ(s.pkey_algo, "rsaEncryption");
  EXPECT_EQ(s.signature.size(), 256u);
  EXPECT_EQ(s.signed_len, image.size());
  EXPECT_EQ(s.content_digest.size(), 64u);
  EXPECT_EQ(testdata::run("modinfo -F signer '" + obj + "'"), s.signer + "\n");
  EXPECT_EQ(testdata::run("modinfo -F sig_key '" + obj + "'"), s.key_id + "\n");
  EXPECT_EQ(testdata::run("modinfo -F sig_hashalgo '" + obj + "'"), s.hash_algo + "\n");
  // The issuer DER is what openssl prints for the certificate's issuer.
  EXPECT_GT(s.issuer_der.size(), 20u);
  // The digest verifies: openssl's detached verify over the same bytes succeeds.
  std::string v =
      testdata::run("cd '" + dir +
                    "' && openssl smime -verify -binary -inform DER -in s.der "
                    "-content m.o -certfile c.pem -nointern -noverify >/dev/null 2>&1 && echo ok");
  EXPECT_EQ(v, "ok\n");
  testdata::run("rm -rf '" + dir + "'");
}

/// A module signed as sign-file does (detached CMS, no attributes, no certificates) by a key
/// made with openssl req; `key` and `md` are openssl's -newkey and -md arguments.
struct Signed {
  std::string dir, obj, image;
};
Signed sign_fixture(const std::string& key, const std::string& md) {
  Signed r;
  r.dir = testdata::make_temp_dir("sig3");
  r.obj = r.dir + "/m.ko";
  int st = 0;
  std::string log = testdata::run(
      "cd '" + r.dir + "' && yaml2obj-14 '" + testdata::source_dir() +
          "/tests/fixtures/elf/e4_x86_64.yaml' -o m.o && "
          "openssl req -x509 -newkey " +
          key +
          " -nodes -keyout k.pem -out c.pem -days 2 "
          "-subj '/CN=ofsck sha3 test' -" +
          md +
          " 2>&1 && "
          "openssl cms -sign -binary -noattr -nocerts -outform DER -in m.o -signer c.pem "
          "-inkey k.pem -md " +
          md + " -out s.der 2>&1",
      &st);
  EXPECT_EQ(st, 0) << log;
  std::ifstream img(r.dir + "/m.o", std::ios::binary), der(r.dir + "/s.der", std::ios::binary);
  r.image.assign(std::istreambuf_iterator<char>(img), {});
  std::string sig((std::istreambuf_iterator<char>(der)), {});
  std::ofstream(r.obj, std::ios::binary) << trailer(r.image, sig, 2);
  return r;
}

// SHA-3 (Linux 6.7+): the digest is named as OpenSSL names it and computed here.
TEST(Signature, Sha3SignaturesAreReadAndHashed) {
  for (const auto& [key, md, pkey, len] :
       std::vector<std::tuple<std::string, std::string, std::string, size_t>>{
           {"rsa:2048", "sha3-256", "rsaEncryption", 32},
           // (OpenSSL 3.0's CMS cannot sign ECDSA with SHA-3: "unsupported signature algorithm")
           {"rsa:3072", "sha3-384", "rsaEncryption", 48},
           {"rsa:2048", "sha3-512", "rsaEncryption", 64}}) {
    Signed f = sign_fixture(key, md);
    ReadOptions o;
    o.signed_digest = true;
    Result<model::ModuleFile> m = read_module(f.obj, o);
    ASSERT_TRUE(m) << to_string(m.error());
    const model::Signature& s = m->sig;
    EXPECT_TRUE(s.problem.empty()) << s.problem;
    EXPECT_EQ(s.hash_algo, md);
    EXPECT_TRUE(is_sha3(s.hash_algo));
    EXPECT_EQ(s.pkey_algo, pkey) << md;
    EXPECT_EQ(s.content_digest.size(), len) << md;
    EXPECT_EQ(unverifiable_algorithm(s), "") << md;
    testdata::run("rm -rf '" + f.dir + "'");
  }
}

// ML-DSA (Linux 7.0+): OpenSSL 3.0 cannot make such a signature, so the classification is
// tested on the OIDs of include/linux/oid_registry.h.
TEST(Signature, MlDsaIsNamedByItsOidAndNotVerifiableHere) {
  EXPECT_EQ(pkey_algo_name("2.16.840.1.101.3.4.3.17"), "ML-DSA-44");
  EXPECT_EQ(pkey_algo_name("2.16.840.1.101.3.4.3.18"), "ML-DSA-65");
  EXPECT_EQ(pkey_algo_name("2.16.840.1.101.3.4.3.19"), "ML-DSA-87");
  EXPECT_EQ(pkey_algo_name("1.2.840.113549.1.1.1"), "rsaEncryption");
  EXPECT_EQ(pkey_algo_name("1.2.3.4.5"), "1.2.3.4.5");
  model::Signature s;
  s.kind = model::SigKind::kPkcs7;
  s.pkey_algo = "ML-DSA-65";
  s.hash_algo = "sha512";
  EXPECT_EQ(unverifiable_algorithm(s), "ML-DSA-65");
  s.pkey_algo = "rsaEncryption";
  s.hash_algo = "no-such-digest";
  EXPECT_EQ(unverifiable_algorithm(s), "no-such-digest");
}

TEST(Signature, HexColon) {
  std::vector<uint8_t> b = {0x6a, 0x00, 0xff};
  EXPECT_EQ(hex_colon(b), "6A:00:FF");
  EXPECT_EQ(hex_colon({}), "");
}

}  // namespace
}  // namespace ofsck::read
