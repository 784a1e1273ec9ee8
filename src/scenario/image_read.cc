// The steps of inspect_image() that read the image alone (scenario/image_steps.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "check/rules.hpp"
#include "read/module_reader.hpp"
#include "read/text/modules_files.hpp"
#include "scenario/image_steps.hpp"
#include "util/parallel_for.hpp"

namespace ofsck::check {

bool is_module_file(const std::string& p) {
  for (const char* suf : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"})
    if (p.ends_with(suf)) return true;
  return false;
}

std::string basename_of(const std::string& p) { return p.substr(p.rfind('/') + 1); }

std::string sha256_hex(const std::array<uint8_t, 32>& d) {
  std::string s;
  for (uint8_t b : d) s += fmt::format("{:02x}", b);
  return s;
}

std::string_view text_of(const read::InitramfsEntry& e) {
  return {reinterpret_cast<const char*>(e.data.data()), e.data.size()};
}

Finding image_finding(std::string_view rule, std::string subject, std::vector<SourceRef> where,
                      std::string message, std::string hint) {
  Finding f = check::make_finding(rule, std::move(subject), std::move(message));
  f.where = std::move(where);
  f.hint = std::move(hint);
  return f;
}

Result<void> choose_image_kernel(ImageScan& s) {
  const ImageOptions& o = s.o;
  std::set<std::string> kvers;
  for (const char* d : {"lib/modules", "usr/lib/modules"})
    for (const auto& k : s.view.subdirs(d)) kvers.insert(k);
  if (!o.node.spec.kver.empty()) {
    s.rep.kernel_release = o.node.spec.kver;
  } else if (kvers.size() == 1) {
    s.rep.kernel_release = *kvers.begin();
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
  const std::string& kver = s.rep.kernel_release;
  s.rep.module_dir = s.view.canonical("lib/modules/" + kver);
  if (s.rep.module_dir.empty()) s.rep.module_dir = s.view.canonical("usr/lib/modules/" + kver);
  if (s.rep.module_dir.empty())
    return make_error(ErrorCode::kNotFound,
                      fmt::format("the image has no lib/modules/{} tree", kver), {o.image});
  return {};
}

void take_inventory(ImageScan& s) {
  ImageReport& rep = s.rep;
  rep.image = s.o.image;
  rep.entries = s.img.entries.size();
  for (const auto& pt : s.img.parts)
    rep.parts.push_back(
        pt.compression == "none"
            ? fmt::format("0x{:x} none ({} cpio, 0x{:x} bytes)", pt.offset, pt.archives, pt.size)
            : fmt::format("0x{:x} {} ({} cpio, 0x{:x} bytes from 0x{:x} compressed)", pt.offset,
                          pt.compression, pt.archives, pt.size, pt.input_size));
  s.tree = s.view.files_under(rep.module_dir);
  std::set<std::string> fw_seen;
  for (const char* d : {"lib/firmware", "usr/lib/firmware"})
    for (const auto& [p, e] : s.view.files_under(d))
      if (fw_seen.insert(p).second) rep.firmware.push_back(p);
  std::sort(rep.firmware.begin(), rep.firmware.end());
  static const char* const kConfDirs[] = {
      "etc/modprobe.d",           "run/modprobe.d",        "lib/modprobe.d", "usr/lib/modprobe.d",
      "usr/local/lib/modprobe.d", "etc/depmod.d",          "run/depmod.d",   "lib/depmod.d",
      "usr/lib/depmod.d",         "usr/local/lib/depmod.d"};
  for (const char* d : kConfDirs)
    for (const auto& [p, e] : s.view.files_under(d)) s.configs[p] = e;
  if (const auto* e = s.view.file("etc/modprobe.conf")) s.configs["etc/modprobe.conf"] = e;
  for (const auto& [p, e] : s.configs) rep.configs.push_back(p);
}

void read_image_modules(ImageScan& s) {
  std::vector<std::pair<const std::string*, const read::InitramfsEntry*>> todo;
  for (const auto& [p, e] : s.tree)
    if (is_module_file(p)) todo.emplace_back(&p, e);
  // Parsed and hashed on all threads, then taken in path order.
  read::ReadOptions ro;
  ro.content_sha256 = true;
  std::vector<std::optional<Result<model::ModuleFile>>> done(todo.size());
  parallel_for(todo.size(), s.o.node.rs.threads, [&](size_t i) {
    done[i] = read::read_module_bytes(todo[i].second->data, s.label + "/" + *todo[i].first, ro);
  });
  for (size_t i = 0; i < todo.size(); ++i) {
    ImageModule m;
    m.path = *todo[i].first;
    m.size = todo[i].second->size;
    m.name = model::module_name_from_filename(basename_of(m.path));
    Result<model::ModuleFile>& mf = *done[i];
    if (mf) m.sha256 = sha256_hex(mf->content_sha256);
    // kmod's search order decides between two files of one name; the verdict reports it, the
    // first in path order is the one compared.
    s.by_name.emplace(m.name, s.rep.modules.size());
    s.parsed.push_back(mf ? std::optional<model::ModuleFile>(std::move(*mf)) : std::nullopt);
    s.rep.modules.push_back(std::move(m));
  }
  // A built-in dependency is never missing.
  if (auto it = s.tree.find(s.rep.module_dir + "/modules.builtin"); it != s.tree.end())
    for (const auto& m :
         read::parse_modules_builtin(text_of(*it->second), s.label + "/" + it->first).modules)
      s.builtin.insert(m.name);
}

}  // namespace ofsck::check
