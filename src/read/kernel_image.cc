// x86 boot protocol (Documentation/arch/x86/boot.rst): setup_sects at 0x1f1, "HdrS" at 0x202,
// payload_offset/payload_length at 0x248/0x24c, relative to the protected-mode code, which
// starts at (setup_sects ? setup_sects : 4) * 512 + 512.
#include "read/kernel_image.hpp"

#include <cstring>

#include <fmt/format.h>

#include "read/byte_reader.hpp"
#include "read/compress/compress.hpp"
#include "read/x509.hpp"

namespace ofsck::read {

namespace {
uint32_t le32(const std::byte* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // x86 images are little-endian; this build runs on x86 only for images
}
}  // namespace

namespace {

/// The compressed payload of an x86 bzImage held in `img`.
struct Payload {
  std::span<const std::byte> bytes;
  model::Compression compression;
};

Result<Payload> locate_payload(std::span<const std::byte> img, const std::string& path) {
  if (img.size() < 0x250 || std::memcmp(img.data() + 0x202, "HdrS", 4) != 0)
    return make_error(ErrorCode::kMalformed, "not an x86 bzImage (no \"HdrS\" at 0x202)", {path});
  uint64_t setup_sects = static_cast<uint8_t>(img[0x1f1]);
  if (setup_sects == 0) setup_sects = 4;
  const uint64_t pm_start = (setup_sects + 1) * 512;
  const uint64_t off = pm_start + le32(img.data() + 0x248);
  const uint64_t len = le32(img.data() + 0x24c);
  uint64_t end;
  if (!checked_add(off, len, end) || end > img.size())
    return make_error(ErrorCode::kTruncated,
                      fmt::format("payload 0x{:x}+0x{:x} lies past the end of the image (0x{:x})",
                                  off, len, img.size()),
                      {path});
  auto payload = img.subspan(off, len);
  model::Compression c = sniff_compression(payload);
  if (c == model::Compression::kNone) {
    const auto* b = reinterpret_cast<const uint8_t*>(payload.data());
    std::string what = "unknown";
    if (len >= 4 && b[0] == 0x02 && b[1] == 0x21 && b[2] == 0x4c && b[3] == 0x18) what = "lz4";
    else if (len >= 3 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h') what = "bzip2";
    else if (len >= 3 && b[0] == 0x5d && b[1] == 0 && b[2] == 0) what = "lzma";
    else if (len >= 4 && b[0] == 0x89 && b[1] == 'L' && b[2] == 'Z' && b[3] == 'O') what = "lzo";
    return make_error(ErrorCode::kUnsupported,
                      fmt::format("kernel payload compressed with {}, which ofsck cannot read "
                                  "(gzip, xz, zstd are supported)",
                                  what),
                      {path, 0, "", off});
  }
  return Payload{payload, c};
}

/// The build appends the uncompressed size (4 bytes) after xz/zstd/gzip payloads. The result
/// is that of the exact stream if it decodes, else that of the stream without the trailer.
/// Decoding the trailer-less stream first gives the same answer with one decode instead of
/// two for real images: when it decodes, the exact stream either fails (a nonzero size is no
/// xz stream padding, gzip member or zstd frame) or decodes to the same bytes (zero padding).
template <typename T, typename Decode>
Result<T> decode_payload(const Payload& p, Decode&& decode) {
  if (p.bytes.size() <= 4) return decode(p.bytes);
  auto trimmed = decode(p.bytes.first(p.bytes.size() - 4));
  if (trimmed) return trimmed;
  auto exact = decode(p.bytes);
  if (exact) return exact;
  return trimmed;
}

}  // namespace

Result<Buffer> decompress_bzimage(const std::string& path, uint64_t max_out) {
  auto file_or = read_whole_file(path, uint64_t{256} << 20);
  if (!file_or) return tl::unexpected(file_or.error());
  auto payload = locate_payload(file_or->span(), path);
  if (!payload) return tl::unexpected(payload.error());
  return decode_payload<Buffer>(*payload, [&](std::span<const std::byte> in) {
    return decompress(in, payload->compression, max_out, path);
  });
}

Result<std::vector<model::TrustedCert>> kernel_image_certificates(const std::string& path) {
  // Streamed: the decompressed vmlinux (60+ MiB) is scanned as it is produced, never held, and
  // decoding stops once system_certificate_list is complete (about 60% into a Debian image).
  auto file_or = read_whole_file(path, uint64_t{256} << 20);
  if (!file_or) return tl::unexpected(file_or.error());
  auto payload = locate_payload(file_or->span(), path);
  if (!payload) return tl::unexpected(payload.error());
  using Certs = std::vector<model::TrustedCert>;
  return decode_payload<Certs>(*payload, [&](std::span<const std::byte> in) -> Result<Certs> {
    CertificateScanner scan(path);
    auto n = decompress_to(in, payload->compression, uint64_t{1} << 30, path,
                           [&](std::span<const std::byte> piece) { return scan.feed(piece); });
    if (!n) return tl::unexpected(n.error());
    return scan.finish();
  });
}

}  // namespace ofsck::read
