// inspect_image(): the initramfs as the kernel unpacks it (read/archive/initramfs), then the
// same prepare()/evaluate() that `check` runs, on the image's own module tree and configs.
//
// The image's tree is extracted to a private mkdtemp() directory because prepare() reads a root
// directory (depmod.d/modprobe.d merge, modules.dep.bin through libkmod): one implementation of
// every rule, no in-memory second copy. Kernel facts (exports, trusted keys, vermagic, config)
// come from the disk root's kernel of the same release, which is what boots the image.
#include "scenario/image.hpp"

#include "check/firmware.hpp"
#include "check/modprobe_closure.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "model/module.hpp"
#include "read/module_reader.hpp"
#include "util/parallel_for.hpp"
#include "read/parallel.hpp"
#include "read/text/modules_dep.hpp"
#include "read/text/modules_files.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

const std::vector<std::string>& ib_root_core_modules() {
  static const std::vector<std::string> k = {"ib_core", "ib_uverbs", "ib_umad", "ib_cm",
                                             "iw_cm",   "rdma_cm",   "rdma_ucm", "ib_ipoib"};
  return k;
}

const std::vector<std::string>& ib_root_hca_drivers() {
  static const std::vector<std::string> k = {"mlx5_ib", "mlx4_ib", "irdma",  "bnxt_re",
                                             "hfi1",    "ib_qib",  "qedr",   "efa",
                                             "erdma",   "mana_ib", "iw_cxgb4", "ocrdma",
                                             "vmw_pvrdma", "hns_roce_hw_v2", "rdma_rxe", "siw"};
  return k;
}

namespace {

/// The unpacked image as a path → entry map, with the symlinks resolved the way path lookup in
/// the booted rootfs resolves them (merged-/usr images have lib -> usr/lib).
class ImageView {
 public:
  explicit ImageView(const read::Initramfs& img) : img_(img) {
    for (size_t i = 0; i < img.entries.size(); ++i) by_path_[img.entries[i].path] = i;
  }

  /// Canonical path of `p` (every symlink resolved), or "" when a component is missing or a
  /// loop is met (40 links, like the kernel's MAXSYMLINKS).
  std::string canonical(const std::string& p) const {
    std::vector<std::string> todo = split(p), done;
    int hops = 0;
    while (!todo.empty()) {
      std::string c = todo.front();
      todo.erase(todo.begin());
      if (c.empty() || c == ".") continue;
      if (c == "..") {
        if (!done.empty()) done.pop_back();
        continue;
      }
      done.push_back(c);
      std::string cur = join(done);
      auto it = by_path_.find(cur);
      if (it == by_path_.end()) return {};
      const read::InitramfsEntry& e = img_.entries[it->second];
      if (!e.is_symlink()) continue;
      if (++hops > 40) return {};
      done.pop_back();
      if (e.symlink.starts_with("/")) done.clear();
      std::vector<std::string> t = split(e.symlink);
      todo.insert(todo.begin(), t.begin(), t.end());
    }
    return join(done);
  }

  /// The regular file at `p` (symlinks followed), or nullptr.
  const read::InitramfsEntry* file(const std::string& p) const {
    std::string c = canonical(p);
    if (c.empty()) return nullptr;
    auto it = by_path_.find(c);
    if (it == by_path_.end() || !img_.entries[it->second].is_regular()) return nullptr;
    return &img_.entries[it->second];
  }

  /// Regular files whose canonical path lies under canonical directory `dir`: canonical path →
  /// entry. Files are found through their own (possibly symlinked) parent directories.
  std::map<std::string, const read::InitramfsEntry*> files_under(const std::string& dir) const {
    std::map<std::string, const read::InitramfsEntry*> out;
    std::string cdir = canonical(dir);
    if (cdir.empty()) return out;
    for (const auto& [path, idx] : by_path_) {
      const read::InitramfsEntry& e = img_.entries[idx];
      if (!e.is_regular()) continue;
      std::string parent = path.find('/') == std::string::npos ? "" : path.substr(0, path.rfind('/'));
      std::string cparent = parent.empty() ? "" : canonical(parent);
      if (!parent.empty() && cparent.empty()) continue;
      std::string cpath = (cparent.empty() ? "" : cparent + "/") + path.substr(parent.size() + !parent.empty());
      if (cpath.size() > cdir.size() && cpath.compare(0, cdir.size(), cdir) == 0 &&
          cpath[cdir.size()] == '/')
        out[cpath] = &e;
    }
    return out;
  }

  /// Names of the directories directly under `dir`.
  std::set<std::string> subdirs(const std::string& dir) const {
    std::set<std::string> out;
    std::string cdir = canonical(dir);
    if (cdir.empty()) return out;
    for (const auto& [path, idx] : by_path_) {
      if (path.size() <= cdir.size() + 1 || path.compare(0, cdir.size(), cdir) != 0 ||
          path[cdir.size()] != '/')
        continue;
      std::string rest = path.substr(cdir.size() + 1);
      if (rest.find('/') != std::string::npos) rest.resize(rest.find('/'));
      if (!canonical(cdir + "/" + rest).empty()) out.insert(rest);
    }
    return out;
  }

 private:
  static std::vector<std::string> split(const std::string& p) {
    std::vector<std::string> v;
    size_t s = 0;
    while (s <= p.size()) {
      size_t e = p.find('/', s);
      if (e == std::string::npos) e = p.size();
      if (e > s) v.push_back(p.substr(s, e - s));
      s = e + 1;
    }
    return v;
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string r;
    for (const auto& c : v) r += (r.empty() ? "" : "/") + c;
    return r;
  }

  const read::Initramfs& img_;
  std::unordered_map<std::string, size_t> by_path_;
};

bool is_module_file(const std::string& p) {
  for (const char* suf : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"})
    if (p.ends_with(suf)) return true;
  return false;
}

std::string basename_of(const std::string& p) { return p.substr(p.rfind('/') + 1); }

std::string hex(const std::array<uint8_t, 32>& d) {
  std::string s;
  for (uint8_t b : d) s += fmt::format("{:02x}", b);
  return s;
}

/// A mkdtemp() directory removed when this goes out of scope: under $TMPDIR when set, else
/// /dev/shm when writable (the tree lives for one run; creating ~1,000 files on a disk
/// filesystem's inode allocator cost most of an `image` run), else /tmp.
class TempDir {
 public:
  TempDir() {
    std::string parent = "/tmp";
    if (const char* t = getenv("TMPDIR"); t && *t) parent = t;
    else if (access("/dev/shm", W_OK | X_OK) == 0) parent = "/dev/shm";
    std::string tmpl = parent + "/ofsck-image-XXXXXX";
    if (mkdtemp(tmpl.data())) path_ = tmpl;
    parent_ = parent;
  }
  const std::string& parent() const { return parent_; }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_, parent_;
};

Result<void> write_file(const std::string& path, std::span<const std::byte> data) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) return make_error(ErrorCode::kIo, "cannot write the extracted image file", {path});
  return {};
}

Finding make_finding(std::string_view rule, std::string subject, std::vector<SourceRef> where,
                     std::string message, std::string hint = {}) {
  Finding f = check::make_finding(rule, std::move(subject), std::move(message));
  f.where = std::move(where);
  f.hint = std::move(hint);
  return f;
}

}  // namespace

Result<ImageReport> inspect_image(const ImageOptions& o) {
  auto img_or = read::read_initramfs(o.image, o.read);
  if (!img_or) return tl::unexpected(img_or.error());
  const read::Initramfs& img = *img_or;
  ImageView view(img);
  ImageReport rep;
  rep.image = o.image;
  rep.entries = img.entries.size();
  for (const auto& pt : img.parts)
    rep.parts.push_back(
        pt.compression == "none"
            ? fmt::format("0x{:x} none ({} cpio, 0x{:x} bytes)", pt.offset, pt.archives, pt.size)
            : fmt::format("0x{:x} {} ({} cpio, 0x{:x} bytes from 0x{:x} compressed)",
                          pt.offset, pt.compression, pt.archives, pt.size, pt.input_size));
  const std::string label = o.image + "!";

  // Which kernel: --kernel, else the only release under (usr/)lib/modules in the image.
  std::set<std::string> kvers;
  for (const char* d : {"lib/modules", "usr/lib/modules"})
    for (const auto& k : view.subdirs(d)) kvers.insert(k);
  if (!o.check.kver.empty()) {
    rep.kernel_release = o.check.kver;
  } else if (kvers.size() == 1) {
    rep.kernel_release = *kvers.begin();
  } else if (kvers.empty()) {
    return make_error(ErrorCode::kNotFound, "the image holds no lib/modules/<release> tree",
                      {o.image});
  } else {
    std::string list;
    for (const auto& k : kvers) list += "\n  " + k;
    return make_error(ErrorCode::kUsage,
                      fmt::format("the image holds several kernels; choose one with --kernel:{}",
                                  list),
                      {o.image});
  }
  const std::string& kver = rep.kernel_release;
  rep.module_dir = view.canonical("lib/modules/" + kver);
  if (rep.module_dir.empty()) rep.module_dir = view.canonical("usr/lib/modules/" + kver);
  if (rep.module_dir.empty())
    return make_error(ErrorCode::kNotFound,
                      fmt::format("the image has no lib/modules/{} tree", kver), {o.image});
  const std::string moddir_rel = rep.module_dir.substr(0, rep.module_dir.rfind('/'));

  // Inventory.
  auto tree = view.files_under(rep.module_dir);
  std::vector<std::pair<std::string, const read::InitramfsEntry*>> mod_files;
  for (const auto& [p, e] : tree)
    if (is_module_file(p)) mod_files.emplace_back(p, e);
  std::set<std::string> fw_seen;
  for (const char* d : {"lib/firmware", "usr/lib/firmware"}) {
    for (const auto& [p, e] : view.files_under(d))
      if (fw_seen.insert(p).second) rep.firmware.push_back(p);
  }
  std::sort(rep.firmware.begin(), rep.firmware.end());
  static const char* const kConfDirs[] = {"etc/modprobe.d", "run/modprobe.d", "lib/modprobe.d",
                                          "usr/lib/modprobe.d", "usr/local/lib/modprobe.d",
                                          "etc/depmod.d", "run/depmod.d", "lib/depmod.d",
                                          "usr/lib/depmod.d", "usr/local/lib/depmod.d"};
  std::map<std::string, const read::InitramfsEntry*> configs;
  for (const char* d : kConfDirs)
    for (const auto& [p, e] : view.files_under(d)) configs[p] = e;
  if (const auto* e = view.file("etc/modprobe.conf")) configs["etc/modprobe.conf"] = e;
  for (const auto& [p, e] : configs) rep.configs.push_back(p);

  // Read every module from the image bytes (with content hashes for the disk comparison).
  read::ReadOptions ro;
  ro.content_sha256 = true;
  std::map<std::string, size_t> image_by_name;  // module name → rep.modules index
  std::vector<std::optional<model::ModuleFile>> parsed;
  DiagnosticSink sink;
  // Parsed and hashed on all threads, then taken in path order.
  std::vector<std::pair<const std::string*, const read::InitramfsEntry*>> todo;
  todo.reserve(mod_files.size());
  for (const auto& [p, e] : mod_files) todo.emplace_back(&p, e);
  std::vector<std::optional<Result<model::ModuleFile>>> done(todo.size());
  parallel_for(todo.size(), o.check.threads, [&](size_t i) {
    done[i] = read::read_module_bytes(todo[i].second->data, label + "/" + *todo[i].first, ro);
  });
  for (size_t i = 0; i < todo.size(); ++i) {
    const std::string& p = *todo[i].first;
    ImageModule m;
    m.path = p;
    m.size = todo[i].second->size;
    m.name = model::module_name_from_filename(basename_of(p));
    Result<model::ModuleFile>& mf = *done[i];
    if (mf) m.sha256 = hex(mf->content_sha256);
    // kmod's search order decides between two files of one name; the verdict below reports it,
    // here the first in path order is the one compared.
    image_by_name.emplace(m.name, rep.modules.size());
    parsed.push_back(mf ? std::optional<model::ModuleFile>(std::move(*mf)) : std::nullopt);
    rep.modules.push_back(std::move(m));
  }

  // Builtins: modules.builtin of the image's tree (else the disk's) — a built-in dependency is
  // never missing.
  std::set<std::string> builtin;
  if (auto it = tree.find(rep.module_dir + "/modules.builtin"); it != tree.end()) {
    auto b = read::parse_modules_builtin(
        std::string_view(reinterpret_cast<const char*>(it->second->data.data()),
                         it->second->data.size()),
        label + "/" + it->first);
    for (const auto& m : b.modules) builtin.insert(m.name);
  }

  // The disk: same kernel under --root, resolved exactly as `check` does.
  std::optional<Prepared> disk;
  {
    CheckOptions d = o.check;
    d.kver = kver;
    d.only.clear();
    d.files.clear();
    auto p = prepare(d);
    if (p) {
      disk = std::move(*p);
      rep.disk_module_dir = disk->module_dir;
    } else {
      sink.add(make_finding(kImageNotOnDisk, kver, {{o.check.root}},
                            fmt::format("the image was not compared with the disk: {}",
                                        to_string(p.error())),
                            "pass --root with the system whose kernel boots this image"));
    }
  }
  if (disk && builtin.empty()) {
    std::ifstream in(disk->module_dir + "/modules.builtin");
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& m : read::parse_modules_builtin(s, disk->module_dir).modules)
      builtin.insert(m.name);
  }

  // (c) stale modules: the image file vs the file that wins on disk, by decompressed content.
  if (disk) {
    std::vector<std::string> paths;
    std::vector<size_t> idx;
    for (size_t i = 0; i < rep.modules.size(); ++i) {
      ImageModule& m = rep.modules[i];
      auto it = disk->resolution.module_by_name.find(m.name);
      if (it == disk->resolution.module_by_name.end()) {
        sink.add(make_finding(
            kImageNotOnDisk, m.name, {{label + "/" + m.path}},
            fmt::format("{} in the image has no file on disk in {}", m.name, disk->module_dir),
            "the image was built from another tree, or the module was removed since"));
        continue;
      }
      const auto& rm = disk->resolution.modules[static_cast<size_t>(it->second)];
      m.disk_path = disk->resolution.files[rm.file].path;
      paths.push_back(m.disk_path);
      idx.push_back(i);
    }
    auto read = read::read_modules_parallel(paths, ro, o.check.threads);
    for (size_t j = 0; j < paths.size(); ++j) {
      ImageModule& m = rep.modules[idx[j]];
      if (!read[j] || m.sha256.empty()) continue;  // unreadable: the verdicts report it
      std::string disk_sha = hex(read[j]->content_sha256);
      m.identical_on_disk = disk_sha == m.sha256;
      if (m.identical_on_disk) continue;
      Finding f = make_finding(
          kImageStaleModule, m.name,
          {{label + "/" + m.path}, {m.disk_path}},
          fmt::format("{} in the image ({}) differs from the file that wins on disk ({})", m.name,
                      m.path, m.disk_path),
          "rebuild the image (update-initramfs -u -k " + kver + ", or dracut -f)");
      f.notes.push_back(fmt::format("image sha256 {} ({} bytes)", m.sha256, m.size));
      f.notes.push_back(fmt::format("disk  sha256 {}", disk_sha));
      if (parsed[idx[j]] && parsed[idx[j]]->info.srcversion != read[j]->info.srcversion)
        f.notes.push_back(fmt::format("srcversion {} in the image, {} on disk",
                                      parsed[idx[j]]->info.srcversion, read[j]->info.srcversion));
      sink.add(std::move(f));
    }
  }

  // (d) firmware: request_firmware()'s search path (fw_path[] in
  // drivers/base/firmware_loader/main.c) with the suffixes of the compressed-firmware loader.
  for (size_t i = 0; i < rep.modules.size(); ++i) {
    if (!parsed[i]) continue;
    std::vector<std::string> missing;
    for (const auto& fw : parsed[i]->info.firmware) {
      auto in_image = [&](const std::string& rel) { return view.file(rel) != nullptr; };
      if (!find_firmware(in_image, kver, fw)) missing.push_back(fw);
    }
    if (missing.empty()) continue;
    std::string list, on_disk;
    for (const auto& fw : missing) {
      list += (list.empty() ? "" : ", ") + fw;
      std::string root = o.check.root == "/" ? "" : o.check.root;
      for (const char* suf : {"", ".xz", ".zst"}) {
        std::error_code ec;
        if (fs::exists(root + "/lib/firmware/" + fw + suf, ec)) {
          on_disk += (on_disk.empty() ? "" : ", ") + root + "/lib/firmware/" + fw + suf;
          break;
        }
      }
    }
    const ImageModule& m = rep.modules[i];
    Finding f = make_finding(
        kImageFirmwareMissing, m.name, {{label + "/" + m.path}},
        fmt::format("{} names firmware not in the image: {} ({} of {})", m.name, list,
                    missing.size(), parsed[i]->info.firmware.size()),
        on_disk.empty() ? "install the firmware package, then rebuild the image"
                        : "the firmware is on disk: rebuild the image");
    if (!on_disk.empty()) f.notes.push_back("on disk: " + on_disk);
    f.notes.push_back("the kernel logs \"Direct firmware load for <name> failed with error -2\" "
                      "when the driver requests a missing file before the root is mounted");
    sink.add(std::move(f));
  }

  // Extract the module tree and configs to a private directory for prepare()/evaluate().
  TempDir tmp;
  if (tmp.path().empty())
    return make_error(ErrorCode::kIo, "cannot create a private directory (mkdtemp) for the image's tree",
                      {tmp.parent()});
  for (const auto& [p, e] : tree)
    if (auto w = write_file(tmp.path() + "/" + p, e->data); !w) return tl::unexpected(w.error());
  for (const auto& [p, e] : configs)
    if (auto w = write_file(tmp.path() + "/" + p, e->data); !w) return tl::unexpected(w.error());

  // The image's own modprobe configuration and modules.dep, for the closure.
  CheckOptions io = o.check;
  io.root = tmp.path();
  io.kver = kver;
  io.files.clear();
  io.cache_dir.clear();
  io.skip_kernel_image = true;
  io.progress = nullptr;
  if (disk && !disk->kernel.exports_source.empty() && io.symvers.empty())
    io.symvers = disk->kernel.exports_source;
  (void)moddir_rel;

  // (b) the need set and its closure: modinfo depends= and the image's modules.dep (hard),
  // softdep pre:/post: from the image's modprobe.d (first match wins, as kmod) or modinfo.
  std::vector<std::string> need;
  for (const auto& n : o.need) need.push_back(model::normalize_name(n));
  if (o.ib_root) {
    for (const auto& n : ib_root_core_modules()) need.push_back(n);
    std::vector<std::string> hcas;
    for (const auto& n : ib_root_hca_drivers())
      if (image_by_name.count(n)) hcas.push_back(n);
    if (hcas.empty()) {
      std::string list;
      for (const auto& n : ib_root_hca_drivers()) list += (list.empty() ? "" : ", ") + n;
      sink.add(make_finding(kImageModuleMissing, "(HCA driver)", {{o.image}},
                            "--ib-root: no InfiniBand/RDMA adapter driver is in the image",
                            "add the adapter's driver (one of: " + list + ")"));
    }
    for (const auto& n : hcas) need.push_back(n);
  }
  std::sort(need.begin(), need.end());
  need.erase(std::unique(need.begin(), need.end()), need.end());
  rep.needed = need;

  auto img_prep = prepare(io);
  if (!img_prep) {
    Error e = img_prep.error();
    replace_all(e.message, tmp.path(), label);
    replace_all(e.where.path, tmp.path(), label);
    return tl::unexpected(e);
  }
  // The image's own modprobe: its modprobe.d and modules.softdep as the image holds them, the
  // same lookup and softdep rule as `check` (check/modprobe_closure).
  ModprobeView mp(*img_prep, /*keep_on_disk_softdep=*/true);
  std::map<std::string, std::vector<std::string>> dep_lines;  // image modules.dep, by name
  if (auto it = tree.find(rep.module_dir + "/modules.dep"); it != tree.end()) {
    auto md = read::parse_modules_dep(
        std::string_view(reinterpret_cast<const char*>(it->second->data.data()),
                         it->second->data.size()),
        label + "/" + it->first);
    for (const auto& [name, de] : md.modules)
      for (const auto& d : de.deps)
        dep_lines[name].push_back(model::module_name_from_filename(basename_of(d)));
  }
  std::set<std::string> seen;
  std::vector<std::string> queue = need;
  std::vector<std::string> present;
  auto why_missing = [&](const std::string& n) {
    std::string hint;
    if (disk && disk->resolution.module_by_name.count(n)) {
      const auto& rm =
          disk->resolution.modules[static_cast<size_t>(disk->resolution.module_by_name.at(n))];
      hint = fmt::format("it is on disk ({}): add it to the image (initramfs-tools: "
                         "/etc/initramfs-tools/modules; dracut: add_drivers+=\" {} \")",
                         disk->resolution.files[rm.file].path, n);
    } else if (disk) {
      hint = "it is not on disk either for " + kver;
    }
    return hint;
  };
  std::map<std::string, std::string> reason;  // missing module → who needs it and how
  while (!queue.empty()) {
    std::string n = queue.back();
    queue.pop_back();
    if (!seen.insert(n).second) continue;
    auto it = image_by_name.find(n);
    if (it == image_by_name.end()) {
      if (builtin.count(n)) continue;
      if (std::find(need.begin(), need.end(), n) != need.end() && !reason.count(n))
        reason[n] = "needed";
      continue;
    }
    present.push_back(n);
    const auto& mf = parsed[it->second];
    const std::string where = label + "/" + rep.modules[it->second].path;
    std::vector<std::string> hard;
    if (mf)
      for (const auto& d : mf->info.depends)
        if (!d.empty()) hard.push_back(model::normalize_name(d));
    for (const auto& d : dep_lines[n]) hard.push_back(d);
    for (const auto& d : hard) {
      if (!image_by_name.count(d) && !builtin.count(d) && !reason.count(d)) {
        reason[d] = "hard";
        sink.add(make_finding(kImageModuleMissing, d, {{where}},
                              fmt::format("{} depends on {}, which is not in the image: {} "
                                          "cannot load (modprobe: FATAL: Module {} not found)",
                                          n, d, n, d),
                              why_missing(d)));
      }
      queue.push_back(d);
    }
    // kmod_module_get_softdeps(): the first matching line; each name through the lookup, so
    // `pre: crc32c` needs the modules whose alias is crc32c.
    std::vector<std::string> pre, post;
    bool from_conf = false;
    if (const model::ModprobeSoftdep* sd = modprobe_softdep_line(mp, n)) {
      from_conf = !sd->where.path.ends_with("/modules.softdep");
      for (int k = 0; k < 2; ++k)
        for (const auto& name : k == 0 ? sd->pre : sd->post) {
          resolve::Lookup l = resolve::lookup_name(mp.index(), name);
          auto& into = k == 0 ? pre : post;
          if (l.hits.empty()) into.push_back(l.name);
          for (const auto& h : l.hits)
            if (!h.builtin) into.push_back(h.module);
        }
    }
    for (int k = 0; k < 2; ++k)
      for (const auto& d : k == 0 ? pre : post) {
        if (!image_by_name.count(d) && !builtin.count(d) && !reason.count(d)) {
          reason[d] = "soft";
          sink.add(make_finding(
              k == 0 ? kImageSoftdepMissing : kImagePostSoftdepMissing, d, {{where}},
              fmt::format("{} has `softdep {} {}` ({}), but {} is not in the image: modprobe "
                          "loads {} without it",
                          n, k == 0 ? "pre:" : "post:", d,
                          from_conf ? "modprobe.d" : "modinfo", d, n),
              why_missing(d)));
        }
        queue.push_back(d);
      }
  }
  for (const auto& [n, r] : reason)
    if (r == "needed")
      sink.add(make_finding(kImageModuleMissing, n, {{o.image}},
                            fmt::format("needed module {} is not in the image", n),
                            why_missing(n)));

  // The image's own verdict for the needed closure (or every module when nothing is needed).
  io.only.clear();
  if (!need.empty()) {
    for (const auto& n : need)
      if (image_by_name.count(n)) io.only.push_back(n);
  }
  if (need.empty() || !io.only.empty()) {
    if (disk) {
      // The kernel that boots the image is the disk's: its exports, keys, config and vermagic.
      img_prep->kernel = disk->kernel;
    }
    rep.result = evaluate(*img_prep, io);
  }
  for (auto& f : rep.result.findings) {
    // Config findings carry paths as on the target system: those are the image's files.
    for (auto& w : f.where) {
      std::error_code ec;
      if (w.path.starts_with("/") && !w.path.starts_with(tmp.path()) &&
          fs::exists(tmp.path() + w.path, ec))
        w.path = label + w.path;
    }
    replace_all(f, tmp.path(), label);
    sink.add(std::move(f));
  }
  for (auto& m : rep.result.modules) replace_all(m.file, tmp.path(), label);
  for (std::string* s : {&rep.result.inputs.root, &rep.result.inputs.module_dir,
                         &rep.result.inputs.config_source})
    replace_all(*s, tmp.path(), label);
  rep.result.findings = sink.take();
  return rep;
}

}  // namespace ofsck::check
