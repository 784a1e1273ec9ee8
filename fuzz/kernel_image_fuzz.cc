// libFuzzer target for the kernel image reader (a vmlinuz is untrusted input): the bzImage
// header, the payload decoders of every format the kernel builds, and the certificate scanner
// over the decompressed bytes. Seeds: fuzz/corpus/kernel_image/, bzImage-shaped files holding
// a 4 KiB slice of Debian 7.2's vmlinux around system_certificate_list, compressed by the
// real tools (gzip, bzip2, xz --format=lzma, xz, lzop, lz4 -l, zstd) with the size appended.
#include <cstddef>
#include <cstdint>
#include <span>

#include "read/compress/kernel_payload.hpp"
#include "read/kernel_image.hpp"
#include "read/x509.hpp"

namespace {
constexpr uint64_t kCap = 16 << 20;  // keep decompression bombs cheap

size_t touch(const std::vector<ofsck::model::TrustedCert>& certs) {
  size_t n = 0;
  for (const auto& c : certs) n += c.der.size() + c.subject_cn.size() + c.serial.size();
  return n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ofsck::read;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  size_t n = 0;
  // The whole image path: header, payload, streamed scan.
  if (auto certs = image_certificates(bytes, "fuzz.img", kCap)) n += touch(*certs);
  // The input as a payload of the format its first bytes name.
  if (auto f = sniff_payload(bytes)) {
    auto r = decompress_payload(bytes, *f, kCap, "fuzz.payload", [&](std::span<const std::byte> p) {
      for (std::byte b : p) n += static_cast<size_t>(b);
      return true;
    });
    (void)r;
  }
  // The input as decompressed vmlinux bytes, fed in uneven pieces.
  CertificateScanner scan("fuzz.vmlinux");
  const size_t cut = size ? data[0] % (size + 1) : 0;
  if (scan.feed(bytes.first(cut))) (void)scan.feed(bytes.subspan(cut));
  n += touch(scan.finish());
  return n == SIZE_MAX ? 1 : 0;
}
