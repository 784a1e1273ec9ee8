// CertificateScanner: system_certificate_list recognised by the size that follows it
// (certs/system_certificates.S), certificates elsewhere ignored, the older layout without a
// size scanned to the end, and the same answer however the blob is cut into pieces.
#include "read/x509.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "read/kernel_image.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

std::vector<uint8_t> make_cert(const std::string& cn) {
  const std::string dir = testdata::make_temp_dir("x509scan");
  int st = 0;
  testdata::run("cd " + dir +
                    " && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem "
                    "-outform DER -out c.der -days 2 -subj /CN=" +
                    cn + " 2>/dev/null",
                &st);
  EXPECT_EQ(st, 0);
  std::ifstream in(dir + "/c.der", std::ios::binary);
  std::vector<uint8_t> der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  testdata::run("rm -rf " + dir);
  return der;
}

void append(std::vector<uint8_t>& b, const std::vector<uint8_t>& x) {
  b.insert(b.end(), x.begin(), x.end());
}
void zeros(std::vector<uint8_t>& b, size_t n) { b.insert(b.end(), n, 0); }
void align8(std::vector<uint8_t>& b) { zeros(b, (8 - b.size() % 8) % 8); }
void quad(std::vector<uint8_t>& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void noise(std::vector<uint8_t>& b, size_t n) {
  for (size_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(0x41 + i % 23));
}

struct Scan {
  std::vector<std::string> cns;
  bool found_list = false;
  size_t fed = 0;  // bytes handed over before the scanner said it had enough
};

Scan scan(const std::vector<uint8_t>& blob, size_t piece) {
  CertificateScanner s("test");
  Scan out;
  for (size_t off = 0; off < blob.size(); off += piece) {
    size_t n = std::min(piece, blob.size() - off);
    out.fed = off + n;
    if (!s.feed(std::as_bytes(std::span(blob.data() + off, n)))) break;
  }
  for (const auto& c : s.finish()) out.cns.push_back(c.subject_cn);
  out.found_list = s.found_list();
  return out;
}

class Scanner : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new std::vector<uint8_t>(make_cert("ofsck-a"));
    b_ = new std::vector<uint8_t>(make_cert("ofsck-b"));
    other_ = new std::vector<uint8_t>(make_cert("ofsck-elsewhere"));
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
    delete other_;
  }
  static std::vector<uint8_t>*a_, *b_, *other_;
};
std::vector<uint8_t>* Scanner::a_;
std::vector<uint8_t>* Scanner::b_;
std::vector<uint8_t>* Scanner::other_;

using V = std::vector<std::string>;

TEST_F(Scanner, ListWithSizeIsTheAnswerAndStopsEarly) {
  std::vector<uint8_t> img;
  noise(img, 5000);
  append(img, *other_);  // a certificate elsewhere in the image: not a trusted key
  noise(img, 3001);
  align8(img);
  const size_t start = img.size();
  append(img, *a_);
  append(img, *b_);
  const size_t len = img.size() - start;
  align8(img);
  quad(img, len);         // system_certificate_list_size
  quad(img, a_->size());  // module_cert_size
  noise(img, 3 << 20);
  for (size_t piece : {size_t{7}, size_t{4096}, size_t{1} << 20, img.size()}) {
    Scan s = scan(img, piece);
    EXPECT_EQ(s.cns, (V{"ofsck-a", "ofsck-b"})) << piece;
    EXPECT_TRUE(s.found_list) << piece;
    if (piece < img.size()) {
      EXPECT_LT(s.fed, img.size()) << piece;
    }
  }
}

TEST_F(Scanner, ExtraCertificateAreaBeforeTheSize) {
  // CONFIG_SYSTEM_EXTRA_CERTIFICATE: a 4 KiB zero area and a zero int precede the size.
  std::vector<uint8_t> img;
  noise(img, 100);
  align8(img);
  const size_t start = img.size();
  append(img, *a_);
  const size_t len = img.size() - start;
  zeros(img, 4096);
  zeros(img, (4 - img.size() % 4) % 4);
  zeros(img, 4);
  align8(img);
  quad(img, len);
  noise(img, 1000);
  Scan s = scan(img, 512);
  EXPECT_EQ(s.cns, V{"ofsck-a"});
  EXPECT_TRUE(s.found_list);
}

TEST_F(Scanner, WithoutSizeEveryCertificateToTheEnd) {
  // The pre-4.3 layout (system_certificate_list_end, no size) and a wrong size: no list.
  std::vector<uint8_t> img;
  noise(img, 100);
  append(img, *a_);
  noise(img, 200);
  append(img, *b_);
  align8(img);
  quad(img, 12345);  // not the length of the run before it
  noise(img, 100);
  append(img, *other_);
  for (size_t piece : {size_t{13}, img.size()}) {
    Scan s = scan(img, piece);
    EXPECT_EQ(s.cns, (V{"ofsck-a", "ofsck-b", "ofsck-elsewhere"})) << piece;
    EXPECT_FALSE(s.found_list);
    EXPECT_EQ(s.fed, img.size());
  }
}

TEST_F(Scanner, NonzeroBytesBetweenListAndSizeMeanNoList) {
  std::vector<uint8_t> img;
  const size_t start = img.size();
  append(img, *a_);
  const size_t len = img.size() - start;
  align8(img);
  noise(img, 8);
  quad(img, len);
  Scan s = scan(img, 64);
  EXPECT_EQ(s.cns, V{"ofsck-a"});
  EXPECT_FALSE(s.found_list);
}

// Real Debian images: the list is recognised, decoding stops early, and the answer equals the
// list region of the fully decompressed image.
void expect_real_list(const std::string& kver, size_t count) {
  const std::string img = testdata::tree(kver) + "/boot/vmlinuz-" + kver;
  OFSCK_REQUIRE_DATA(img);
  auto full = decompress_bzimage(img);
  ASSERT_TRUE(full) << to_string(full.error());
  std::vector<uint8_t> blob(reinterpret_cast<const uint8_t*>(full->data()),
                            reinterpret_cast<const uint8_t*>(full->data()) + full->size());
  Scan s = scan(blob, size_t{1} << 20);
  EXPECT_TRUE(s.found_list) << kver;
  EXPECT_LT(s.fed, blob.size()) << kver;
  EXPECT_EQ(s.cns.size(), count) << kver;
  auto streamed = kernel_image_certificates(img);
  ASSERT_TRUE(streamed);
  ASSERT_EQ(streamed->size(), s.cns.size());
  for (size_t i = 0; i < s.cns.size(); ++i) EXPECT_EQ((*streamed)[i].subject_cn, s.cns[i]);
  EXPECT_EQ(s.cns.front(), "Build time autogenerated kernel key");
}

TEST(KernelImageList, Debian61) { expect_real_list(testdata::kNew61, 1); }
TEST(KernelImageList, Debian612) { expect_real_list(testdata::k612, 1); }

}  // namespace
}  // namespace ofsck::read
