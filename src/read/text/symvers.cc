#include "read/text/symvers.hpp"

#include <fmt/format.h>
#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "read/text/text_util.hpp"

namespace ofsck::read {
namespace {

/// Fields of a tab-separated line into `out` (reused across lines: no allocation per line).
void split_tabs(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t p = 0;
  for (;;) {
    size_t t = line.find('\t', p);
    out.push_back(line.substr(p, t == std::string_view::npos ? line.npos : t - p));
    if (t == std::string_view::npos) break;
    p = t + 1;
  }
}

std::optional<uint32_t> parse_crc(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  if (v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

const char* layout_name(model::SymversLayout l) {
  switch (l) {
    case model::SymversLayout::kPre54: return "4-column (<5.4)";
    case model::SymversLayout::k54to59: return "5.4-5.9 (namespace 3rd)";
    case model::SymversLayout::k510plus: return "5.10+ (namespace last)";
    case model::SymversLayout::kSystemMap: return "System.map";
    default: return "unknown";
  }
}

Result<std::string> gunzip(std::string_view in, const std::string& path, uint64_t cap) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK)  // +32: gzip or zlib header, auto-detected
    return make_error(ErrorCode::kIo, "zlib inflateInit2 failed", SourceRef{path});
  std::string out;
  char buf[65536];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return make_error(ErrorCode::kMalformed,
                        fmt::format("gzip stream corrupt at input offset {:#x} (zlib error {})",
                                    zs.total_in, rc),
                        SourceRef{path});
    }
    size_t got = sizeof buf - zs.avail_out;
    if (out.size() + got > cap) {
      inflateEnd(&zs);
      return make_error(ErrorCode::kTooLarge,
                        fmt::format("decompressed size exceeds the {:#x}-byte cap", cap),
                        SourceRef{path});
    }
    out.append(buf, got);
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return make_error(ErrorCode::kTruncated, "gzip stream ends before its trailer",
                        SourceRef{path});
    }
    // Concatenated gzip members (gzip -c a b) decode as one stream, like zcat.
    if (rc == Z_STREAM_END && zs.avail_in > 0) {
      inflateReset(&zs);
      rc = Z_OK;
    }
  }
  inflateEnd(&zs);
  return out;
}

Result<std::string> unxz(std::string_view in, const std::string& path, uint64_t cap) {
  lzma_stream xs = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&xs, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
    return make_error(ErrorCode::kIo, "lzma_stream_decoder failed", SourceRef{path});
  std::string out;
  uint8_t buf[65536];
  xs.next_in = reinterpret_cast<const uint8_t*>(in.data());
  xs.avail_in = in.size();
  lzma_ret rc = LZMA_OK;
  while (rc != LZMA_STREAM_END) {
    xs.next_out = buf;
    xs.avail_out = sizeof buf;
    rc = lzma_code(&xs, xs.avail_in == 0 ? LZMA_FINISH : LZMA_RUN);
    if (rc != LZMA_OK && rc != LZMA_STREAM_END) {
      uint64_t at = xs.total_in;
      lzma_end(&xs);
      return make_error(rc == LZMA_BUF_ERROR ? ErrorCode::kTruncated : ErrorCode::kMalformed,
                        fmt::format("xz stream corrupt or truncated at input offset {:#x} "
                                    "(lzma error {})",
                                    at, static_cast<int>(rc)),
                        SourceRef{path});
    }
    size_t got = sizeof buf - xs.avail_out;
    if (out.size() + got > cap) {
      lzma_end(&xs);
      return make_error(ErrorCode::kTooLarge,
                        fmt::format("decompressed size exceeds the {:#x}-byte cap", cap),
                        SourceRef{path});
    }
    out.append(reinterpret_cast<const char*>(buf), got);
  }
  lzma_end(&xs);
  return out;
}

}  // namespace

ParsedSymvers parse_symvers(std::string_view data, std::string path) {
  ParsedSymvers out;
  out.symvers.path = path;
  std::string_view raw;  // the current line as read, '\r' included
  auto problem = [&](uint32_t line, std::string msg) {
    out.problems.push_back(make_problem("bad-symvers-line", path, {line, raw}, std::move(msg)));
  };
  std::vector<std::string_view> f;
  out.symvers.entries.reserve(static_cast<size_t>(std::count(data.begin(), data.end(), '\n')) + 1);
  out.lines = for_each_line(data, [&](std::string_view line, uint32_t n) {
    raw = line;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      problem(n, "empty line");
      return;
    }
    split_tabs(line, f);
    model::SymversLayout layout = model::SymversLayout::kUnknown;
    if (f.size() == 4) layout = model::SymversLayout::kPre54;
    else if (f.size() >= 5 && f[3].starts_with("EXPORT_")) layout = model::SymversLayout::k510plus;
    else if (f.size() >= 5 && f[4].starts_with("EXPORT_")) layout = model::SymversLayout::k54to59;
    if (layout == model::SymversLayout::kUnknown) {
      problem(n, fmt::format("expected 4 or 5 tab-separated fields with an EXPORT_* type, "
                             "found {} field(s): '{}'",
                             f.size(), printable(line.substr(0, 120))));
      return;
    }
    if (f.size() > 5)
      problem(n, fmt::format("{} fields, expected 5; extra fields ignored", f.size()));
    std::optional<uint32_t> crc = parse_crc(f[0]);
    if (!crc) {
      problem(n, fmt::format("CRC '{}' is not a 32-bit hex number", printable(f[0])));
      return;
    }
    if (f[1].empty()) {
      problem(n, "empty symbol name");
      return;
    }
    if (out.symvers.layout == model::SymversLayout::kUnknown) out.symvers.layout = layout;
    else if (out.symvers.layout != layout)
      problem(n, fmt::format("line has the {} layout but the file started as {}",
                             layout_name(layout), layout_name(out.symvers.layout)));
    model::SymversEntry e;
    e.name = std::string(f[1]);
    e.crc = crc;
    switch (layout) {
      case model::SymversLayout::kPre54:
        e.module = std::string(f[2]);
        e.export_type = std::string(f[3]);
        break;
      case model::SymversLayout::k54to59:
        e.ns = std::string(f[2]);
        e.module = std::string(f[3]);
        e.export_type = std::string(f[4]);
        break;
      default:
        e.module = std::string(f[2]);
        e.export_type = std::string(f[3]);
        e.ns = std::string(f[4]);
        break;
    }
    if (e.module.empty()) problem(n, "empty module column");
    out.symvers.entries.push_back(std::move(e));
  });
  return out;
}

Result<ParsedSymvers> parse_system_map(std::string_view data, std::string path) {
  if (data.find("The real System.map is in the") != std::string_view::npos && data.size() < 512) {
    size_t b = data.find("linux-image-");
    std::string pkg = b == std::string_view::npos
                          ? std::string("linux-image-<version>-dbg")
                          : std::string(data.substr(b, data.find(' ', b) - b));
    return make_error(ErrorCode::kMalformed,
                      fmt::format("Debian placeholder System.map, not a symbol table: the real "
                                  "System.map is in the {} package (use the linux-headers "
                                  "Module.symvers instead)",
                                  pkg),
                      SourceRef{path});
  }
  ParsedSymvers out;
  out.symvers.path = path;
  out.symvers.layout = model::SymversLayout::kSystemMap;
  constexpr std::string_view kPrefix = "__ksymtab_";
  out.lines = for_each_line(data, [&](std::string_view line, uint32_t n) {
    // depmod_load_system_map(): third field = everything after the second ' '.
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos) {
      if (!line.empty())
        out.problems.push_back(
            make_problem("bad-system-map-line", path, {n, line},
                         fmt::format("expected '<addr> <type> <name>', found '{}'",
                                     printable(line.substr(0, 120))),
                         fmt::format("{}:{}: invalid line: {}", path, n, line)));
      return;
    }
    std::string_view name = line.substr(b + 1);
    if (!name.starts_with(kPrefix)) return;
    model::SymversEntry e;
    e.name = std::string(name.substr(kPrefix.size()));
    e.module = "vmlinux";
    out.symvers.entries.push_back(std::move(e));
  });
  return out;
}

Result<std::string> read_maybe_compressed(const std::string& path, uint64_t cap) {
  // Compressed input is read whole first; allow the compressed file up to the same cap.
  Result<std::string> raw_or = read_text_file(path, cap);
  if (!raw_or) return tl::unexpected(raw_or.error());
  const std::string& raw = *raw_or;
  auto has = [&](std::string_view magic) { return std::string_view(raw).starts_with(magic); };
  if (has("\x1f\x8b")) return gunzip(raw, path, cap);
  if (raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x78 &&
      ((static_cast<unsigned char>(raw[0]) << 8) | static_cast<unsigned char>(raw[1])) % 31 == 0)
    return gunzip(raw, path, cap);  // zlib header (CMF/FLG check)
  if (has(std::string_view("\xfd"
                           "7zXZ\0",
                           6)))
    return unxz(raw, path, cap);
  return std::move(*raw_or);
}

Result<ParsedSymvers> read_symvers_file(const std::string& path, uint64_t cap) {
  Result<std::string> data_or = read_maybe_compressed(path, cap);
  if (!data_or) return tl::unexpected(data_or.error());
  return parse_symvers(*data_or, path);
}

Result<ParsedSymvers> read_system_map_file(const std::string& path, uint64_t cap) {
  Result<std::string> data_or = read_maybe_compressed(path, cap);
  if (!data_or) return tl::unexpected(data_or.error());
  return parse_system_map(*data_or, path);
}

std::vector<DepmodSymversEntry> depmod_symvers_view(std::string_view data, const std::string& path,
                                                    std::vector<model::ConfigProblem>* problems) {
  std::vector<DepmodSymversEntry> out;
  for_each_line(data, [&](std::string_view line, uint32_t n) {
    std::string buf(line.substr(0, line.find('\0')));
    buf.push_back('\n');  // fgets keeps it; strtok(" \t") does not split on it
    Strtok tok(buf);
    std::optional<std::string_view> ver = tok.next(" \t"), sym = tok.next(" \t"),
                                    where = tok.next(" \t");
    if (!ver || !sym || !where || *where != "vmlinux") return;
    std::string v(*ver);
    char* end = nullptr;
    uint64_t crc = std::strtoull(v.c_str(), &end, 16);
    if (*end != '\0') {
      if (problems)
        problems->push_back(
            make_problem("bad-symvers-line", path, {n, line},
                         fmt::format("invalid symbol version '{}'", printable(v)),
                         fmt::format("{}:{} Invalid symbol version {}: ...", path, n, v)));
      return;
    }
    out.push_back({std::string(*sym), crc, n});
  });
  return out;
}

}  // namespace ofsck::read
