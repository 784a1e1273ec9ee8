#include "read/text/modules_dep.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libkmod.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <unordered_set>

#include "model/module.hpp"
#include "read/text/text_util.hpp"

namespace ofsck::read {
namespace {

constexpr uint32_t kIndexMagic = 0xB007F457;
constexpr uint32_t kNodePrefix = 0x80000000, kNodeValues = 0x40000000, kNodeChilds = 0x20000000,
                   kNodeMask = 0x0FFFFFFF;
constexpr size_t kMaxDepth = 4096;

uint32_t be32(std::string_view d, size_t off) {
  uint32_t v;
  std::memcpy(&v, d.data() + off, 4);
  return __builtin_bswap32(v);
}

std::string_view base_name(std::string_view p) {
  size_t s = p.rfind('/');
  return s == std::string_view::npos ? p : p.substr(s + 1);
}

/// Parses "path: dep dep" into `e`; false if there is no ':'.
bool parse_dep_value(std::string_view v, DepEntry& e) {
  size_t colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  e.path = std::string(v.substr(0, colon));
  Strtok tok(v.substr(colon + 1));
  while (std::optional<std::string_view> t = tok.next(" \t")) e.deps.emplace_back(*t);
  return true;
}

void add_entry(ModulesDep& out, std::string name, DepEntry e, const std::string& path,
               std::string_view line_text = {}) {
  auto [it, inserted] = out.modules.emplace(name, e);
  if (!inserted)
    out.problems.push_back(
        make_problem("duplicate-module", path, {e.line, line_text},
                     fmt::format("module '{}' listed again ({}); first entry ({}) kept", name,
                                 e.path, it->second.path)));
}

struct KmodCtxDeleter {
  void operator()(kmod_ctx* c) const { kmod_unref(c); }
};

void quiet_log(void*, int, const char*, int, const char*, const char*, va_list) {}

using IndexVisit = std::function<void(std::string_view key, std::string_view value)>;

/// Depth-first walk of a libkmod index in index_dump_node() order: a node's prefix extends the
/// key, its values come first, then its children in ascending character order (each adds its
/// char). Every offset and length is checked before it is read.
class IndexWalk {
 public:
  IndexWalk(std::string_view d, const std::string& path, const IndexVisit& visit)
      : d_(d), path_(path), visit_(visit) {}

  Result<void> run() {
    if (d_.size() < 12)
      return make_error(ErrorCode::kTruncated,
                        fmt::format("index header needs 12 bytes, file has {}", d_.size()),
                        SourceRef{path_});
    if (be32(d_, 0) != kIndexMagic)
      return bad(0, fmt::format("index magic is {:#010x}, expected {:#010x}", be32(d_, 0),
                                kIndexMagic));
    if (be32(d_, 4) >> 16 != 2)
      return bad(4, fmt::format("index version {:#010x}, expected major 2", be32(d_, 4)));
    stack_.push_back({be32(d_, 8), 0, 0, -1});
    while (!stack_.empty()) {
      Item it = stack_.back();
      stack_.pop_back();
      if (Result<void> n = node(it); !n) return n;
    }
    return {};
  }

 private:
  struct Item {
    uint32_t off;  // the node's offset word: flags | position
    size_t depth;
    size_t key_len;  // of `key_` before this node
    int ch;          // the child character that leads here, -1 for the root
  };
  /// A node's child table: `count` offset words at `pos` for characters first, first+1, ...
  struct Children {
    size_t pos = 0, count = 0;
    unsigned char first = 0;
  };

  tl::unexpected<Error> bad(uint64_t off, std::string msg) const {
    SourceRef r{path_};
    r.offset = off;
    return make_error(ErrorCode::kMalformed, std::move(msg), r);
  }

  size_t cstr_end(size_t at) const {  // index of the NUL, or npos
    return at < d_.size() ? d_.find('\0', at) : std::string_view::npos;
  }

  /// Reads one node (its prefix, child table and values), visits its values and pushes its
  /// children.
  Result<void> node(const Item& it) {
    key_.resize(it.key_len);
    if (it.ch >= 0) key_.push_back(static_cast<char>(it.ch));
    size_t pos = it.off & kNodeMask;
    if (pos == 0) return {};  // absent node (index_read returns NULL)
    if (it.depth > kMaxDepth) return bad(pos, "index trie is deeper than 4096 levels");
    if (!seen_.insert(pos).second)
      return bad(pos,
                 fmt::format("index node at {:#x} is reached twice (cycle or shared node)", pos));
    // A node without prefix, values or children has no bytes: depmod writes the root of an
    // empty index (a tree without modules) at offset 12, the end of the 12-byte file, and
    // libkmod reads nothing there. The checks below catch a flagged node at the end.
    if (pos > d_.size() || (pos == d_.size() && (it.off & ~kNodeMask) != 0))
      return bad(pos,
                 fmt::format("index node offset {:#x} is past the end ({:#x})", pos, d_.size()));
    if (it.off & kNodePrefix) {
      size_t z = cstr_end(pos);
      if (z == std::string_view::npos) return bad(pos, "node prefix runs past the end of file");
      key_.append(d_.substr(pos, z - pos));
      pos = z + 1;
    }
    Children ch;
    if (it.off & kNodeChilds) {
      Result<Children> ch_or = children(pos);
      if (!ch_or) return tl::unexpected(ch_or.error());
      ch = *ch_or;
    }
    if (it.off & kNodeValues) {
      if (Result<void> v = values(pos); !v) return v;
    }
    for (size_t i = ch.count; i-- > 0;)  // pushed in reverse: popped in ascending order
      stack_.push_back(
          {be32(d_, ch.pos + 4 * i), it.depth + 1, key_.size(), static_cast<int>(ch.first + i)});
    return {};
  }

  /// The child range (first and last character) and table at `pos`, which it advances.
  Result<Children> children(size_t& pos) const {
    if (pos + 2 > d_.size()) return bad(pos, "child range runs past the end of file");
    Children ch;
    ch.first = static_cast<unsigned char>(d_[pos]);
    unsigned char last = static_cast<unsigned char>(d_[pos + 1]);
    if (ch.first >= 128 || last >= 128 || ch.first > last)
      return bad(pos, fmt::format("child range {:#04x}..{:#04x} is invalid (libkmod needs "
                                  "first <= last < 0x80)",
                                  ch.first, last));
    pos += 2;
    ch.count = static_cast<size_t>(last - ch.first) + 1;
    if (pos + 4 * ch.count > d_.size()) return bad(pos, "child table runs past the end of file");
    ch.pos = pos;
    pos += 4 * ch.count;
    return ch;
  }

  /// The values at `pos` (a count, then priority + string each), visited under the current
  /// key; advances `pos`.
  Result<void> values(size_t& pos) const {
    if (pos + 4 > d_.size()) return bad(pos, "value count runs past the end of file");
    uint32_t n = be32(d_, pos);
    pos += 4;
    if (n > (d_.size() - pos) / 5)
      return bad(pos - 4, fmt::format("value count {} cannot fit in the file", n));
    for (uint32_t i = 0; i < n; ++i) {
      if (pos + 4 > d_.size()) return bad(pos, "value priority runs past the end of file");
      size_t z = cstr_end(pos + 4);
      if (z == std::string_view::npos) return bad(pos, "value string runs past the end");
      if (visit_) visit_(key_, d_.substr(pos + 4, z - pos - 4));
      pos = z + 1;
    }
    return {};
  }

  std::string_view d_;
  const std::string& path_;
  const IndexVisit& visit_;
  std::vector<Item> stack_;
  std::unordered_set<uint32_t> seen_;
  std::string key_;
};

}  // namespace

ModulesDep parse_modules_dep(std::string_view data, const std::string& display_path) {
  ModulesDep out;
  for_each_line(data, [&](std::string_view line, uint32_t n) {
    if (line.empty()) return;
    DepEntry entry;
    entry.line = n;
    if (line.find('\0') != std::string_view::npos || !parse_dep_value(line, entry)) {
      out.problems.push_back(make_problem("bad-dep-line", display_path, {n, line},
                                          fmt::format("expected '<path>: <deps>', found '{}'",
                                                      printable(line.substr(0, 120)))));
      return;
    }
    std::string name = model::module_name_from_filename(base_name(entry.path));
    add_entry(out, std::move(name), std::move(entry), display_path, line);
  });
  return out;
}

Result<void> walk_kmod_index(std::string_view d, const std::string& path, const IndexVisit& visit) {
  return IndexWalk(d, path, visit).run();
}

Result<void> validate_kmod_index(std::string_view d, const std::string& path) {
  return walk_kmod_index(d, path, {});
}

namespace {
/// Parses "<name> <path>: <deps>" as kmod_dump_index() prints each value.
void add_dump_line(ModulesDep& out, std::string_view line, uint32_t n, const std::string& bin) {
  size_t sp = line.find(' ');
  DepEntry entry;
  if (sp == std::string_view::npos || !parse_dep_value(line.substr(sp + 1), entry)) {
    out.problems.push_back(make_problem("bad-dep-line", bin, 0,
                                        fmt::format("index value {} is not '<path>: <deps>': '{}'",
                                                    n, printable(line.substr(0, 120)))));
    return;
  }
  add_entry(out, std::string(line.substr(0, sp)), std::move(entry), bin);
}
}  // namespace

Result<ModulesDep> read_modules_dep_bin(const std::string& module_dir) {
  std::string bin = module_dir + "/modules.dep.bin";
  Result<std::string> data_or = read_text_file(bin);
  if (!data_or) return tl::unexpected(data_or.error());
  ModulesDep out;
  uint32_t n = 0;
  std::string line;
  Result<void> ok =
      walk_kmod_index(*data_or, bin, [&](std::string_view key, std::string_view value) {
        line.assign(key).append(" ").append(value);
        add_dump_line(out, line, ++n, bin);
      });
  if (!ok) return tl::unexpected(ok.error());
  return out;
}

Result<ModulesDep> read_modules_dep_bin_libkmod(const std::string& module_dir) {
  std::string bin = module_dir + "/modules.dep.bin";
  Result<std::string> data_or = read_text_file(bin);
  if (!data_or) return tl::unexpected(data_or.error());
  if (Result<void> ok = validate_kmod_index(*data_or, bin); !ok) return tl::unexpected(ok.error());

  const char* no_config[] = {nullptr};  // no modprobe.d parsing: we only want the index
  std::unique_ptr<kmod_ctx, KmodCtxDeleter> ctx(kmod_new(module_dir.c_str(), no_config));
  if (!ctx) return make_error(ErrorCode::kIo, "kmod_new failed", SourceRef{module_dir});
  kmod_set_log_fn(ctx.get(), quiet_log, nullptr);
  int fd = memfd_create("ofsck-modules-dep", MFD_CLOEXEC);
  if (fd < 0)
    return make_error(ErrorCode::kIo, fmt::format("memfd_create: {}", std::strerror(errno)),
                      SourceRef{bin});
  int rc = kmod_dump_index(ctx.get(), KMOD_INDEX_MODULES_DEP, fd);
  std::string dump;
  if (rc == 0) {
    off_t size = lseek(fd, 0, SEEK_END);
    if (size > 0 && static_cast<uint64_t>(size) <= kDefaultTextCap) {
      dump.resize(static_cast<size_t>(size));
      if (pread(fd, dump.data(), dump.size(), 0) != size) rc = -EIO;
    } else if (size < 0) {
      rc = -EIO;
    }
  }
  ::close(fd);
  if (rc != 0)
    return make_error(ErrorCode::kMalformed,
                      fmt::format("libkmod could not dump the index (error {})", rc),
                      SourceRef{bin});
  ModulesDep out;
  for_each_line(dump, [&](std::string_view line, uint32_t n) { add_dump_line(out, line, n, bin); });
  return out;
}

}  // namespace ofsck::read
