// The physical floor of a first verified `ofsck check` on a tree: for every module file, the
// work no implementation can skip, done directly with the libraries on every core.
//   - read the file;
//   - decompress it (liblzma, libzstd, zlib) into one buffer sized from the stream when it says;
//   - SHA-256 (the signature's digest algorithm) of what the appended signature covers;
//   - one public-key verification of that digest with the trusted key (OpenSSL's EVP path).
// bench/run.sh prints ofsck's first verified check against it.
//   floor <module dir> <kernel image> [threads]
#include <lzma.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "read/compress/xz_size.hpp"
#include "read/kernel_image.hpp"

namespace {

using Bytes = std::vector<unsigned char>;

Bytes slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

bool unxz(const Bytes& in, Bytes& out) {
  auto size = ofsck::read::xz_declared_size(
      std::span(reinterpret_cast<const std::byte*>(in.data()), in.size()));
  out.resize(size ? *size + 1 : in.size() * 8);
  uint64_t limit = UINT64_MAX;
  size_t ip = 0, op = 0;
  if (lzma_stream_buffer_decode(&limit, 0, nullptr, in.data(), &ip, in.size(), out.data(), &op,
                                out.size()) != LZMA_OK)
    return false;
  out.resize(op);
  return true;
}

bool unzstd(const Bytes& in, Bytes& out) {
  unsigned long long n = ZSTD_getFrameContentSize(in.data(), in.size());
  if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR) return false;
  out.resize(n);
  return !ZSTD_isError(ZSTD_decompress(out.data(), out.size(), in.data(), in.size()));
}

bool ungzip(const Bytes& in, Bytes& out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
  out.resize(in.size() * 4);
  z.next_in = const_cast<unsigned char*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  int r = Z_OK;
  while (r == Z_OK) {
    if (z.total_out == out.size()) out.resize(out.size() * 2);
    z.next_out = out.data() + z.total_out;
    z.avail_out = static_cast<uInt>(out.size() - z.total_out);
    r = inflate(&z, Z_FINISH);
    if (r == Z_BUF_ERROR && z.avail_out == 0) r = Z_OK;
  }
  out.resize(z.total_out);
  inflateEnd(&z);
  return r == Z_STREAM_END;
}

/// The module image: decompressed, or the file itself.
bool image_of(const Bytes& file, Bytes& out) {
  if (file.size() > 6 && std::memcmp(file.data(),
                                     "\xFD"
                                     "7zXZ",
                                     6) == 0)
    return unxz(file, out);
  if (file.size() > 4 && std::memcmp(file.data(), "\x28\xB5\x2F\xFD", 4) == 0)
    return unzstd(file, out);
  if (file.size() > 2 && file[0] == 0x1F && file[1] == 0x8B) return ungzip(file, out);
  out = file;
  return true;
}

/// Digest + verify of the appended signature; false when unsigned or it does not verify.
bool verify(const Bytes& m, const std::vector<EVP_PKEY*>& keys) {
  static const char kMarker[] = "~Module signature appended~\n";
  const size_t mk = sizeof kMarker - 1;
  if (m.size() < mk + 12 || std::memcmp(m.data() + m.size() - mk, kMarker, mk) != 0) return false;
  const unsigned char* ms = m.data() + m.size() - mk - 12;
  const size_t sig_len = (size_t{ms[8]} << 24) | (ms[9] << 16) | (ms[10] << 8) | ms[11];
  if (sig_len > m.size() - mk - 12) return false;
  const size_t content = m.size() - mk - 12 - sig_len;
  const unsigned char* p = m.data() + content;
  PKCS7* p7 = d2i_PKCS7(nullptr, &p, static_cast<long>(sig_len));
  if (!p7) return false;
  PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0);
  const EVP_MD* md = EVP_get_digestbyobj(si->digest_alg->algorithm);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dn = 0;
  bool ok = md && EVP_Digest(m.data(), content, digest, &dn, md, nullptr) == 1;
  bool verified = false;
  for (EVP_PKEY* key : keys) {
    if (!ok || verified) break;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
    verified = EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
               EVP_PKEY_verify(ctx, si->enc_digest->data, si->enc_digest->length, digest, dn) == 1;
    EVP_PKEY_CTX_free(ctx);
  }
  PKCS7_free(p7);
  return verified;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: floor <module dir> <kernel image> [threads]\n");
    return 2;
  }
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::recursive_directory_iterator(argv[1])) {
    const std::string p = e.path().string();
    if (e.is_regular_file() && p.find(".ko") != std::string::npos) paths.push_back(p);
  }
  auto certs = ofsck::read::kernel_image_certificates(argv[2]);
  std::vector<EVP_PKEY*> keys;
  for (const auto& c : certs ? *certs : std::vector<ofsck::model::TrustedCert>{}) {
    const unsigned char* p = c.der.data();
    if (X509* x = d2i_X509(nullptr, &p, static_cast<long>(c.der.size()))) {
      if (EVP_PKEY* k = X509_get_pubkey(x)) keys.push_back(k);
      X509_free(x);
    }
  }
  const unsigned threads = argc > 3 ? static_cast<unsigned>(std::stoul(argv[3]))
                                    : std::max(1u, std::thread::hardware_concurrency());
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0}, verified{0}, bytes{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      Bytes img;
      for (size_t i; (i = next++) < paths.size();) {
        Bytes file = slurp(paths[i]);
        if (!image_of(file, img)) continue;
        bytes += img.size();
        verified += verify(img, keys);
      }
    });
  for (auto& t : pool) t.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.3f s: %zu files, %zu MiB decompressed, %zu signatures verified, %u threads\n", s,
              paths.size(), bytes.load() >> 20, verified.load(), threads);
  for (EVP_PKEY* k : keys) EVP_PKEY_free(k);
  return 0;
}
