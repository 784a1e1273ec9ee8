// x86 boot protocol (Documentation/arch/x86/boot.rst): setup_sects at 0x1f1, "HdrS" at 0x202,
// payload_offset/payload_length at 0x248/0x24c, relative to the protected-mode code, which
// starts at (setup_sects ? setup_sects : 4) * 512 + 512. payload_length is z_input_len
// (arch/x86/boot/compressed/mkpiggy.c): the compressed stream and the 4-byte size after it.
#include "read/kernel_image.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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

namespace {

/// Where the payload lies, from the boot protocol header in `head` (the image's first bytes;
/// the image is `file_size` bytes long): {offset, length}.
Result<std::pair<uint64_t, uint64_t>> payload_range(std::span<const std::byte> head,
                                                    uint64_t file_size, const std::string& path) {
  if (head.size() < 0x250 || std::memcmp(head.data() + 0x202, "HdrS", 4) != 0)
    return make_error(ErrorCode::kMalformed, "not an x86 bzImage (no \"HdrS\" at 0x202)", {path});
  uint64_t setup_sects = static_cast<uint8_t>(head[0x1f1]);
  if (setup_sects == 0) setup_sects = 4;
  const uint64_t pm_start = (setup_sects + 1) * 512;
  const uint64_t off = pm_start + le32(head.data() + 0x248);
  const uint64_t len = le32(head.data() + 0x24c);
  uint64_t end;
  if (!checked_add(off, len, end) || end > file_size)
    return make_error(ErrorCode::kTruncated,
                      fmt::format("payload 0x{:x}+0x{:x} lies past the end of the image (0x{:x})",
                                  off, len, file_size),
                      {path});
  return std::pair{off, len};
}

/// The payload's format from its first bytes (at image offset `off`).
Result<PayloadFormat> payload_format(std::span<const std::byte> first, uint64_t off,
                                     const std::string& path) {
  if (std::optional<PayloadFormat> f = sniff_payload(first)) return *f;
  std::string head;
  for (size_t i = 0; i < std::min<size_t>(4, first.size()); ++i)
    head += fmt::format("{}{:02x}", i ? " " : "", static_cast<uint8_t>(first[i]));
  return make_error(ErrorCode::kUnsupported,
                    fmt::format("kernel payload starts with [{}], the magic of no format the "
                                "kernel builds (gzip, bzip2, lzma, xz, lzo, lz4, zstd)",
                                head),
                    {path, 0, "", off});
}

/// A kernel image file read with pread(), a piece at a time: nothing is mapped (a file
/// rewritten in place while it is read ends the input early, never the process) and the
/// payload is never held whole.
class ImageFile {
 public:
  ~ImageFile() {
    if (file_.fd >= 0) ::close(file_.fd);
  }
  ImageFile() = default;
  ImageFile(const ImageFile&) = delete;
  ImageFile& operator=(const ImageFile&) = delete;

  /// Opens `path` (open_regular_file()'s errors) and checks its size against kMaxImageFile
  /// with read_file_buffer()'s message; returns the size.
  Result<uint64_t> open(const std::string& path) {
    path_ = path;
    Result<OpenedFile> f = open_regular_file(path);
    if (!f) return tl::unexpected(f.error());
    file_ = *f;
    if (file_.size > kMaxImageFile)
      return make_error(ErrorCode::kTooLarge,
                        fmt::format("file is 0x{:x} bytes, above the 0x{:x} limit", file_.size,
                                    kMaxImageFile),
                        SourceRef{path});
    return file_.size;
  }
  /// Up to `n` bytes at `off` into the piece buffer; fewer at the end of the file.
  Result<std::span<const std::byte>> read_at(uint64_t off, size_t n) {
    buf_.resize(n);
    size_t got = 0;
    while (got < n) {
      const ssize_t r =
          ::pread(file_.fd, buf_.data() + got, n - got, static_cast<off_t>(off + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0)
        return make_error(ErrorCode::kIo,
                          fmt::format("read failed at 0x{:x}: {}", off + got, std::strerror(errno)),
                          SourceRef{path_});
      if (r == 0) break;  // the file shrank underneath us: the input ends here
      got += static_cast<size_t>(r);
    }
    return std::span<const std::byte>(buf_.data(), got);
  }

 private:
  std::string path_;
  OpenedFile file_;
  std::vector<std::byte> buf_;
};

/// Piece size for reading an image: large enough that pread() costs nothing next to decoding.
constexpr size_t kImagePiece = size_t{256} << 10;

}  // namespace

Result<BzImagePayload> locate_bzimage_payload(std::span<const std::byte> img,
                                              const std::string& path) {
  auto range = payload_range(img, img.size(), path);
  if (!range) return tl::unexpected(range.error());
  auto payload = img.subspan(range->first, range->second);
  auto f = payload_format(payload, range->first, path);
  if (!f) return tl::unexpected(f.error());
  return BzImagePayload{payload, *f, range->first};
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
  ImageFile file;
  auto size = file.open(path);
  if (!size) return tl::unexpected(size.error());
  auto head = file.read_at(0, 0x1000);
  if (!head) return tl::unexpected(head.error());
  auto range = payload_range(*head, *size, path);
  if (!range) return tl::unexpected(range.error());
  const uint64_t off = range->first, len = range->second;  // captured below: no binding
  auto first = file.read_at(off, std::min<uint64_t>(len, 8));
  if (!first) return tl::unexpected(first.error());
  auto f = payload_format(*first, off, path);
  if (!f) return tl::unexpected(f.error());
  // The payload a piece at a time: the decoder holds its dictionary, never the whole input.
  uint64_t at = 0;
  auto more = [&]() -> Result<std::span<const std::byte>> {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len - at, kImagePiece));
    auto piece = file.read_at(off + at, n);
    if (piece) at += piece->size();
    return piece;
  };
  CertificateScanner scan(path);
  auto n = decompress_payload_pieces(more, len, *f, kMaxVmlinux, path,
                                     [&](std::span<const std::byte> p) { return scan.feed(p); });
  if (!n) return tl::unexpected(n.error());
  return scan.finish();
}

}  // namespace ofsck::read
