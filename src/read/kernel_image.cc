// x86 boot protocol (Documentation/arch/x86/boot.rst): setup_sects at 0x1f1, "HdrS" at 0x202,
// payload_offset/payload_length at 0x248/0x24c, relative to the protected-mode code, which
// starts at (setup_sects ? setup_sects : 4) * 512 + 512. payload_length is z_input_len
// (arch/x86/boot/compressed/mkpiggy.c): the compressed stream and the 4-byte size after it.
#include "read/kernel_image.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "read/byte_reader.hpp"
#include "read/x509.hpp"

namespace ofsck::read {

namespace {

uint32_t le32(const std::byte* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

/// The largest image file read (Debian's are 8-15 MiB).
constexpr uint64_t kMaxImageFile = uint64_t{256} << 20;
/// The largest vmlinux decoded for its certificates (Debian 7.2: 62 MiB).
constexpr uint64_t kMaxVmlinux = uint64_t{1} << 30;

std::string under(const std::string& root, const std::string& abs) {
  if (root.empty() || root == "/") return abs;
  return (root.back() == '/' ? root.substr(0, root.size() - 1) : root) + abs;
}

bool is_regular(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The first line of a small file, trimmed; "" when absent.
std::string first_line(const std::string& p) {
  std::ifstream f(p);
  std::string line;
  if (!f || !std::getline(f, line)) return "";
  const size_t b = line.find_first_not_of(" \t\r");
  const size_t e = line.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : line.substr(b, e - b + 1);
}

/// KEY= of an os-release file (quotes removed); "" when absent.
std::string os_release_value(const std::string& root, const std::string& key) {
  for (const char* rel : {"/etc/os-release", "/usr/lib/os-release"}) {
    std::ifstream f(under(root, rel));
    if (!f) continue;
    std::string line;
    while (std::getline(f, line)) {
      if (!line.starts_with(key + "=")) continue;
      std::string v = line.substr(key.size() + 1);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
      return v;
    }
    return "";
  }
  return "";
}

/// kernel-install's entry-token candidates, in its order, each with where it came from.
std::vector<std::pair<std::string, std::string>> entry_tokens(const std::string& root) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](std::string token, std::string from) {
    // A token is one path component.
    if (token.empty() || token.find('/') != std::string::npos || token == "." || token == "..")
      return;
    for (const auto& t : out)
      if (t.first == token) return;
    out.emplace_back(std::move(token), std::move(from));
  };
  add(first_line(under(root, "/etc/kernel/entry-token")), "/etc/kernel/entry-token");
  add(first_line(under(root, "/etc/machine-id")), "/etc/machine-id");
  add(os_release_value(root, "IMAGE_ID"), "os-release IMAGE_ID");
  add(os_release_value(root, "ID"), "os-release ID");
  return out;
}

}  // namespace

std::optional<ImageLocation> find_kernel_image(const std::string& root, const std::string& kver) {
  if (kver.empty() || kver.find('/') != std::string::npos) return std::nullopt;
  const std::string boot = "/boot/vmlinuz-" + kver;
  if (is_regular(under(root, boot)))
    return ImageLocation{under(root, boot), boot + " (the installed image)"};
  // Boot Loader Specification type #1 entries, as kernel-install's 90-loaderentry.install
  // lays them out: $BOOT/ENTRY-TOKEN/KVER/linux.
  for (const auto& [token, from] : entry_tokens(root)) {
    for (const char* dir : {"/boot", "/efi", "/boot/efi"}) {
      const std::string p = fmt::format("{}/{}/{}/linux", dir, token, kver);
      if (is_regular(under(root, p)))
        return ImageLocation{under(root, p),
                             fmt::format("{} (Boot Loader Specification entry; entry token "
                                         "\"{}\" from {})",
                                         p, token, from)};
    }
  }
  for (const char* dir : {"/usr/lib/modules/", "/lib/modules/"}) {
    const std::string p = dir + kver + "/vmlinuz";
    if (is_regular(under(root, p)))
      return ImageLocation{under(root, p),
                           p + " (the package's image beside the modules, as Debian's 7.x "
                               "packages and kernel-install lay it out)"};
  }
  return std::nullopt;
}

Result<BzImagePayload> locate_bzimage_payload(std::span<const std::byte> img,
                                              const std::string& path) {
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
  std::optional<PayloadFormat> f = sniff_payload(payload);
  if (!f) {
    std::string head;
    for (size_t i = 0; i < std::min<size_t>(4, payload.size()); ++i)
      head += fmt::format("{}{:02x}", i ? " " : "", static_cast<uint8_t>(payload[i]));
    return make_error(ErrorCode::kUnsupported,
                      fmt::format("kernel payload starts with [{}], the magic of no format the "
                                  "kernel builds (gzip, bzip2, lzma, xz, lzo, lz4, zstd)",
                                  head),
                      {path, 0, "", off});
  }
  return BzImagePayload{payload, *f, off};
}

Result<Buffer> decompress_bzimage(const std::string& path, uint64_t max_out) {
  auto file_or = read_whole_file(path, kMaxImageFile);
  if (!file_or) return tl::unexpected(file_or.error());
  auto payload = locate_bzimage_payload(file_or->span(), path);
  if (!payload) return tl::unexpected(payload.error());
  // Decoded straight into one Buffer sized by size_append's trailer (a hint only: it grows
  // when the trailer lies), so the 60+ MiB vmlinux is never held twice.
  uint64_t hint = payload->bytes.size() >= 4
                      ? le32(payload->bytes.data() + payload->bytes.size() - 4)
                      : uint64_t{1} << 20;
  Buffer out(std::min<uint64_t>(std::max<uint64_t>(hint, 4096), max_out));
  uint64_t used = 0;
  auto n = decompress_payload(payload->bytes, payload->format, max_out, path,
                              [&](std::span<const std::byte> piece) {
                                if (used + piece.size() > out.size())
                                  out.resize(std::max(used + piece.size(), out.size() * 2));
                                std::memcpy(out.data() + used, piece.data(), piece.size());
                                used += piece.size();
                                return true;
                              });
  if (!n) return tl::unexpected(n.error());
  out.truncate(used);
  return out;
}

Result<std::vector<model::TrustedCert>> image_certificates(std::span<const std::byte> img,
                                                           const std::string& path,
                                                           uint64_t max_out) {
  // Streamed: the decompressed vmlinux (60+ MiB) is scanned as it is produced, never held, and
  // decoding stops once system_certificate_list is complete (about 60% into a Debian image).
  auto payload = locate_bzimage_payload(img, path);
  if (!payload) return tl::unexpected(payload.error());
  CertificateScanner scan(path);
  auto n = decompress_payload(payload->bytes, payload->format, max_out, path,
                              [&](std::span<const std::byte> piece) { return scan.feed(piece); });
  if (!n) return tl::unexpected(n.error());
  return scan.finish();
}

Result<std::vector<model::TrustedCert>> kernel_image_certificates(const std::string& path) {
  auto file_or = read_whole_file(path, kMaxImageFile);
  if (!file_or) return tl::unexpected(file_or.error());
  return image_certificates(file_or->span(), path, kMaxVmlinux);
}

}  // namespace ofsck::read
