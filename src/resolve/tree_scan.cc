#include "resolve/tree_scan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "model/compression.hpp"

namespace ofsck::resolve {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// shared/util.c path_ends_with_kmod_ext(): the name must be longer than the extension. ".ko.gz"
/// counts only when kmod was built with zlib.
bool module_extension(std::string_view name, bool gzip, model::Compression& out) {
  for (const model::CompressionInfo& c : model::kCompressions) {
    if (c.kind == model::Compression::kGzip && !gzip) continue;
    if (ends_with(name, c.suffix)) {
      out = c.kind;
      return true;
    }
  }
  return false;
}

/// depmod should_exclude_dir(): applies to files and directories alike, at any depth.
bool should_exclude(const model::DepmodConfig& cfg, std::string_view name) {
  if (name == "." || name == ".." || name == "build" || name == "source") return true;
  for (const model::DepmodExclude& e : cfg.excludes)
    if (name == e.name) return true;
  return false;
}

class Walker {
 public:
  Walker(const ScanOptions& opts, ScanResult& out) : opts_(opts), out_(out) {}

  /// One scan root (module dir or an external). `phys`/`kmod` are the dir without trailing '/'.
  void walk_root(DIR* d, const std::string& phys, const std::string& kmod, int external) {
    external_ = external;
    rel_base_ = kmod.size() + 1;
    std::string p = phys + '/', k = kmod + '/';
    walk(d, p, k);
  }

 private:
  void problem(ProblemKind kind, std::string subject, std::string message,
               std::string kmod_message = {}) {
    Problem pr;
    pr.kind = kind;
    pr.where.path = subject;
    pr.subject = std::move(subject);
    pr.message = std::move(message);
    pr.kmod_message = std::move(kmod_message);
    out_.problems.push_back(std::move(pr));
  }

  /// What one directory entry is to the walk.
  enum class EntryKind { kFile, kDir, kSkip };
  /// A directory's identity, for the symlink-loop check.
  using DirId = std::pair<dev_t, ino_t>;

  // depmod_modules_search_dir(): readdir() order, descend at once (pre-order).
  void walk(DIR* d, std::string& phys, std::string& kmod) {
    const int dfd = dirfd(d);
    struct stat self;
    if (fstat(dfd, &self) == 0) stack_.push_back({self.st_dev, self.st_ino});
    else stack_.push_back({0, 0});
    const size_t plen = phys.size(), klen = kmod.size();
    while (struct dirent* de = readdir(d)) {
      std::string_view name = de->d_name;
      if (should_exclude(*opts_.config, name)) continue;
      phys.resize(plen);
      phys.append(name);
      kmod.resize(klen);
      kmod.append(name);
      std::optional<DirId> id;
      switch (classify(dfd, de->d_name, de->d_type, phys, kmod, id)) {
        case EntryKind::kDir: descend(dfd, de->d_name, phys, kmod, id); break;
        case EntryKind::kFile: add_file(name, phys, kmod); break;
        case EntryKind::kSkip: break;
      }
    }
    phys.resize(plen);
    kmod.resize(klen);
    stack_.pop_back();
  }

  /// A file or a directory by d_type. Symlinks (weak-updates) and DT_UNKNOWN: depmod follows
  /// them with fstatat(..., 0); a directory reached so has its identity in `id`.
  EntryKind classify(int dfd, const char* name, unsigned char d_type, const std::string& phys,
                     const std::string& kmod, std::optional<DirId>& id) {
    if (d_type == DT_REG) return EntryKind::kFile;
    if (d_type == DT_DIR) return EntryKind::kDir;
    struct stat st;
    if (fstatat(dfd, name, &st, 0) < 0) {
      int e = errno;
      problem(ProblemKind::kScanError, phys,
              "cannot stat: " + std::string(strerror(e)) + " (depmod skips it)",
              "depmod: ERROR: fstatat(" + std::string(name) + "): " + strerror(e));
      return EntryKind::kSkip;
    }
    if (S_ISREG(st.st_mode)) return EntryKind::kFile;
    if (S_ISDIR(st.st_mode)) {
      id = DirId{st.st_dev, st.st_ino};
      return EntryKind::kDir;
    }
    char mode[16];
    snprintf(mode, sizeof(mode), "%o", st.st_mode & S_IFMT);
    problem(ProblemKind::kUnsupportedFileType, phys,
            "neither a regular file nor a directory; depmod skips it",
            "depmod: ERROR: unsupported file type " + kmod + ": " + mode);
    return EntryKind::kSkip;
  }

  /// Walks into directory `name` of `dfd` (`phys`/`kmod` end in its name), unless it is one of
  /// the directories being walked (a symlink loop).
  void descend(int dfd, const char* name, std::string& phys, std::string& kmod,
               const std::optional<DirId>& id) {
    if (id) {
      bool loop = false;
      for (const auto& [sd, si] : stack_) loop |= (sd == id->first && si == id->second);
      if (loop) {
        problem(ProblemKind::kSymlinkLoop, phys,
                "directory symlink leads back to one of its ancestors; depmod would recurse "
                "until it runs out of file descriptors");
        return;
      }
    }
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      problem(ProblemKind::kScanError, phys, "cannot open directory: " + std::string(strerror(e)),
              "depmod: ERROR: openat(" + std::string(name) + ", O_RDONLY): " + strerror(e));
      return;
    }
    DirPtr sub(fdopendir(fd));
    if (!sub) {
      close(fd);
      return;
    }
    phys.push_back('/');
    kmod.push_back('/');
    walk(sub.get(), phys, kmod);
  }

  // depmod_modules_search_file(): only kmod extensions count.
  void add_file(std::string_view name, const std::string& phys, const std::string& kmod) {
    model::Compression comp;
    if (!module_extension(name, opts_.gzip_supported, comp)) {
      if (ends_with(name, ".ko.gz"))
        problem(ProblemKind::kIgnoredCompression, phys,
                "gzip-compressed module ignored: kmod was built without zlib, so depmod does not "
                "index it and modprobe cannot load it");
      return;
    }
    ScannedFile f;
    f.path = phys;
    f.kmod_path = kmod;
    f.base_off = kmod.size() - name.size();
    if (external_ < 0) {
      f.relpath = kmod.substr(rel_base_);
      f.dir = f.base_off > rel_base_ ? kmod.substr(rel_base_, f.base_off - 1 - rel_base_) : "";
    } else {
      f.relpath = kmod;
      f.dir = kmod.substr(0, f.base_off - 1);
    }
    size_t dot = name.find('.');
    f.stem = std::string(name.substr(0, dot));
    f.name = model::module_name_from_filename(name);
    f.compression = comp;
    f.external = external_;
    f.seq = static_cast<uint32_t>(out_.files.size());
    out_.files.push_back(std::move(f));
  }

  const ScanOptions& opts_;
  ScanResult& out_;
  int external_ = -1;
  size_t rel_base_ = 0;
  std::vector<std::pair<dev_t, ino_t>> stack_;
};

}  // namespace

Result<ScanResult> scan_tree(const ScanOptions& opts) {
  static const model::DepmodConfig kEmpty;
  ScanOptions o = opts;
  if (!o.config) o.config = &kEmpty;
  ScanResult out;
  Walker w(o, out);
  {
    DirPtr d(opendir(o.module_dir.c_str()));
    if (!d) {
      int e = errno;
      return make_error(ErrorCode::kNotFound,
                        "module directory: cannot open: " + std::string(strerror(e)),
                        SourceRef{o.module_dir});
    }
    w.walk_root(d.get(), o.module_dir, o.kmod_dirname, -1);
  }
  // depmod walks cfg->externals, a prepended list: last parsed first.
  const auto& exts = o.config->externals;
  for (size_t k = exts.size(); k-- > 0;) {
    const model::DepmodExternal& ext = exts[k];
    if (!ext.kver_matches) continue;
    std::string phys = o.reroot_externals ? o.root + ext.dir : ext.dir;
    DirPtr d(opendir(phys.c_str()));
    if (!d) {
      int e = errno;
      Problem pr;
      pr.kind = e == ENOENT ? ProblemKind::kExternalMissing : ProblemKind::kScanError;
      pr.where = ext.where;
      pr.subject = ext.dir;
      pr.message = "external directory " + phys + ": " + strerror(e);
      pr.kmod_message = "depmod: ERROR: could not open directory " + ext.dir + ": " + strerror(e);
      out.problems.push_back(std::move(pr));
      continue;
    }
    w.walk_root(d.get(), phys, ext.dir, static_cast<int>(k));
  }
  return out;
}

}  // namespace ofsck::resolve
