// The physical floor of a first verified `ofsck check` on a tree: for every module file, the
// work no implementation can skip, done directly with the libraries on every core.
//   - read the file;
//   - decompress it (liblzma, libzstd, zlib) into one buffer sized from the stream when it says;
//   - SHA-256 (the signature's digest algorithm) of what the appended signature covers;
//   - one public-key verification of that digest with the trusted key (OpenSSL's EVP path).
// Also its parts, each the CPU time summed over the threads (CLOCK_THREAD_CPUTIME_ID, so another
// load on the machine does not inflate them), and the kernel image's decode, which is serial:
// to the end of the key list (what a check with Module.symvers decodes) and the whole payload
// (without one: vmlinux's exports). `floor sum` = what these parts cost on `threads` cores with
// the image decode on one of them: max(image to keys, (parts + image to keys) / threads).
// bench/run.sh prints ofsck's first verified check against it.
//   floor <module dir> <kernel image> [threads]
#include <lzma.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "read/compress/xz_size.hpp"
#include "read/kernel_image.hpp"

namespace {

/// Leaves new elements uninitialised: resize() is then an allocation, not also a memset.
template <class T>
struct NoInit : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = NoInit<U>;
  };
  template <class U>
  void construct(U* p) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
};
/// Reused per thread, so that its pages are faulted in once, not once per file.
using Bytes = std::vector<unsigned char, NoInit<unsigned char>>;

double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// CPU seconds per part, summed over the threads.
struct Parts {
  std::atomic<uint64_t> read_ns{0}, decompress_ns{0}, hash_ns{0}, verify_ns{0};
  std::atomic<uint64_t> hashed{0}, verified{0}, compressed{0};
};

/// Adds the thread CPU time since `t` to `to` and restarts `t`.
void lap(double& t, std::atomic<uint64_t>& to) {
  const double now = thread_cpu();
  to += static_cast<uint64_t>((now - t) * 1e9);
  t = now;
}

/// The whole file in one read (its size from fstat), as a reader that cannot skip it would.
void slurp(const std::string& path, Bytes& out) {
  out.clear();
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    struct stat st {};
    if (::fstat(::fileno(f), &st) == 0) {
      out.resize(static_cast<size_t>(st.st_size));
      out.resize(std::fread(out.data(), 1, out.size(), f));
    }
    std::fclose(f);
  }
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

/// The module image: decompressed into `out`, or the file itself (not copied); null if corrupt.
const Bytes* image_of(const Bytes& file, Bytes& out) {
  if (file.size() > 6 && std::memcmp(file.data(),
                                     "\xFD"
                                     "7zXZ",
                                     6) == 0)
    return unxz(file, out) ? &out : nullptr;
  if (file.size() > 4 && std::memcmp(file.data(), "\x28\xB5\x2F\xFD", 4) == 0)
    return unzstd(file, out) ? &out : nullptr;
  if (file.size() > 2 && file[0] == 0x1F && file[1] == 0x8B)
    return ungzip(file, out) ? &out : nullptr;
  return &file;
}

/// Digest + verify of the appended signature; false when unsigned or it does not verify.
bool verify(const Bytes& m, const std::vector<EVP_PKEY*>& keys, Parts& parts, double& t) {
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
  parts.hashed += content;
  lap(t, parts.hash_ns);
  bool verified = false;
  for (EVP_PKEY* key : keys) {
    if (!ok || verified) break;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
    verified = EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
               EVP_PKEY_verify(ctx, si->enc_digest->data, si->enc_digest->length, digest, dn) == 1;
    EVP_PKEY_CTX_free(ctx);
  }
  PKCS7_free(p7);
  parts.verified += verified;
  lap(t, parts.verify_ns);
  return verified;
}

/// The serial decode of the kernel image: to the end of the key list, and the whole payload.
void print_image_decode(const char* image) {
  double t = thread_cpu();
  auto certs = ofsck::read::kernel_image_certificates(image);
  const double keys = thread_cpu() - t;
  t = thread_cpu();
  auto whole = ofsck::read::decompress_bzimage(image);
  const double all = thread_cpu() - t;
  std::printf("part image-to-keys %.3f s (%zu certificates)\n", keys, certs ? certs->size() : 0);
  std::printf("part image-whole %.3f s (%zu MiB vmlinux)\n", all,
              whole ? static_cast<size_t>(whole->size() >> 20) : size_t{0});
  std::printf("image-to-keys-cpu %.3f\n", keys);
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
  Parts parts;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      Bytes file, unpacked;
      double t = thread_cpu();
      for (size_t i; (i = next++) < paths.size();) {
        slurp(paths[i], file);
        lap(t, parts.read_ns);
        const Bytes* img = image_of(file, unpacked);
        if (!img) continue;
        if (img != &file) parts.compressed += file.size();
        lap(t, img != &file ? parts.decompress_ns : parts.read_ns);
        bytes += img->size();
        verified += verify(*img, keys, parts, t);
      }
    });
  for (auto& t : pool) t.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.3f s: %zu files, %zu MiB decompressed, %zu signatures verified, %u threads\n", s,
              paths.size(), bytes.load() >> 20, verified.load(), threads);
  auto sec = [](const std::atomic<uint64_t>& ns) { return static_cast<double>(ns.load()) * 1e-9; };
  const size_t nv = parts.verified.load();
  std::printf("part read %.3f s (%zu files)\n", sec(parts.read_ns), paths.size());
  std::printf("part decompress %.3f s (%zu MiB .ko.xz/.ko.zst/.ko.gz)\n", sec(parts.decompress_ns),
              static_cast<size_t>(parts.compressed.load() >> 20));
  std::printf("part sha256 %.3f s (%zu MiB signed content)\n", sec(parts.hash_ns),
              static_cast<size_t>(parts.hashed.load() >> 20));
  std::printf("part verify %.3f s (%zu x %.3f ms)\n", sec(parts.verify_ns), nv,
              nv ? sec(parts.verify_ns) * 1e3 / static_cast<double>(nv) : 0.0);
  print_image_decode(argv[2]);
  std::printf("parts-cpu %.3f\nthreads %u\n",
              sec(parts.read_ns) + sec(parts.decompress_ns) + sec(parts.hash_ns) +
                  sec(parts.verify_ns),
              threads);
  for (EVP_PKEY* k : keys) EVP_PKEY_free(k);
  return 0;
}
