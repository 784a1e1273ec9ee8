// The steps of inspect_image() about the modules a diskless boot needs
// (scenario/image_steps.hpp): the need set, and its closure through the image's own modprobe
// (its modprobe.d and modules.softdep as the image holds them, the same lookup and softdep
// rule as `check`: check/modprobe_closure).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "check/modprobe_closure.hpp"
#include "check/rules.hpp"
#include "read/text/modules_dep.hpp"
#include "scenario/image_steps.hpp"

namespace ofsck::check {

std::vector<std::string> need_set(ImageScan& s) {
  std::vector<std::string> need;
  for (const auto& n : s.o.need) need.push_back(model::normalize_name(n));
  if (s.o.ib_root) {
    for (const auto& n : ib_root_core_modules()) need.push_back(n);
    std::vector<std::string> hcas;
    for (const auto& n : ib_root_hca_drivers())
      if (s.by_name.count(n)) hcas.push_back(n);
    if (hcas.empty())
      s.sink.add(image_finding(kImageModuleMissing, "(HCA driver)", {{s.o.image}},
                               "--ib-root: no InfiniBand/RDMA adapter driver is in the image",
                               fmt::format("add the adapter's driver (one of: {})",
                                           fmt::join(ib_root_hca_drivers(), ", "))));
    for (const auto& n : hcas) need.push_back(n);
  }
  std::sort(need.begin(), need.end());
  need.erase(std::unique(need.begin(), need.end()), need.end());
  return need;
}

namespace {

/// Walks the need set's closure in the image, reporting each missing module once.
class ClosureWalk {
 public:
  ClosureWalk(ImageScan& s, const Node& img) : s_(s), mp_(img, /*keep_on_disk_softdep=*/true) {
    if (auto it = s.tree.find(s.rep.module_dir + "/modules.dep"); it != s.tree.end()) {
      auto md = read::parse_modules_dep(text_of(*it->second), s.label + "/" + it->first);
      for (const auto& [name, de] : md.modules) dep_paths_[name] = de.deps;
    }
  }

  void run(const std::vector<std::string>& need) {
    for (const auto& n : need) modprobe_root(n);
    std::vector<std::string> queue = need;
    while (!queue.empty()) {
      std::string n = queue.back();
      queue.pop_back();
      if (!seen_.insert(n).second) continue;
      auto it = s_.by_name.find(n);
      if (it == s_.by_name.end()) {
        if (!s_.builtin.count(n) && std::find(need.begin(), need.end(), n) != need.end() &&
            !reason_.count(n))
          reason_[n] = "needed";
        continue;
      }
      s_.closure.insert(n);
      const std::string where = s_.label + "/" + s_.rep.modules[it->second].path;
      hard(n, where, s_.parsed[it->second], queue);
      soft(n, where, queue);
    }
    for (const auto& [n, r] : reason_)
      if (r == "needed")
        s_.sink.add(image_finding(kImageModuleMissing, n, {{s_.o.image}},
                                  fmt::format("needed module {} is not in the image", n),
                                  why_missing(n)));
  }

 private:
  /// A module modprobe is asked for: its modules.dep line as libkmod reads it. A listed path
  /// the image lacks drops the whole list (kmod_module_parse_depline(): "ctx=... path=...
  /// error=No such file or directory"), so modprobe inserts the module alone and none of the
  /// chain; the kernel then rejects the module (Unknown symbol). One finding per root.
  void modprobe_root(const std::string& n) {
    if (!s_.by_name.count(n) || s_.broken.count(n)) return;
    BrokenChain b;
    for (const auto& p : dep_paths_[n]) {
      b.chain.push_back(model::module_name_from_filename(basename_of(p)));
      if (!s_.tree.count(s_.rep.module_dir + "/" + p)) {
        b.missing.push_back(p);
        b.missing_names.push_back(b.chain.back());
      }
    }
    if (b.missing.empty()) {
      s_.intact.insert(n);
      s_.intact.insert(b.chain.begin(), b.chain.end());
      return;
    }
    for (const auto& d : b.missing_names) reason_[d] = "hard";
    const std::string& path = s_.rep.modules[s_.by_name.at(n)].path;
    Finding f = image_finding(
        kImageModuleMissing, n, {{s_.label + "/" + path}},
        fmt::format("{} does not load from the image, nor does any of its dependencies: the "
                    "image's modules.dep lists {}, which the image lacks, so libkmod drops {}'s "
                    "whole dependency list and modprobe inserts {} alone, which the kernel "
                    "rejects (Unknown symbol); not inserted: {}",
                    n, fmt::join(b.missing, ", "), n, n, fmt::join(b.chain, ", ")),
        why_missing(b.missing_names.front()));
    f.notes.push_back(fmt::format("modprobe {} in the image prints \"modprobe: ERROR: ... "
                                  "kmod_module_parse_depline() ctx=... path=/lib/modules/{}/{} "
                                  "error=No such file or directory\" (kmod 30..34)",
                                  n, s_.rep.kernel_release, b.missing.front()));
    s_.sink.add(std::move(f));
    s_.broken.emplace(n, std::move(b));
  }

  bool missing(const std::string& d) const {
    return !s_.by_name.count(d) && !s_.builtin.count(d) && !reason_.count(d);
  }

  /// modinfo depends= and the image's modules.dep.
  void hard(const std::string& n, const std::string& where,
            const std::optional<model::ModuleFile>& mf, std::vector<std::string>& queue) {
    std::vector<std::string> deps;
    if (mf)
      for (const auto& d : mf->info.depends)
        if (!d.empty()) deps.push_back(model::normalize_name(d));
    for (const auto& p : dep_paths_[n])
      deps.push_back(model::module_name_from_filename(basename_of(p)));
    for (const auto& d : deps) {
      if (missing(d)) {  // modinfo depends= without a modules.dep entry (depmod ran without it)
        reason_[d] = "hard";
        s_.sink.add(image_finding(kImageModuleMissing, d, {{where}},
                                  fmt::format("{} depends on {}, which is not in the image: {} "
                                              "cannot load (the kernel rejects it: Unknown symbol)",
                                              n, d, n),
                                  why_missing(d)));
      }
      queue.push_back(d);
    }
  }

  /// kmod_module_get_softdeps(): the first matching line; each name through the lookup, so
  /// `pre: crc32c` needs the modules whose alias is crc32c.
  void soft(const std::string& n, const std::string& where, std::vector<std::string>& queue) {
    const model::ModprobeSoftdep* sd = modprobe_softdep_line(mp_, n);
    if (!sd) return;
    bool from_conf = !sd->where.path.ends_with("/modules.softdep");
    for (int k = 0; k < 2; ++k) {
      std::vector<std::string> names;
      for (const auto& name : k == 0 ? sd->pre : sd->post) {
        resolve::Lookup l = resolve::lookup_name(mp_.index(), name);
        if (l.hits.empty()) names.push_back(l.name);
        for (const auto& h : l.hits)
          if (!h.builtin) names.push_back(h.module);
      }
      for (const auto& d : names) {
        modprobe_root(d);  // libkmod probes a softdep through its own modules.dep line
        if (missing(d)) {
          reason_[d] = "soft";
          s_.sink.add(image_finding(
              k == 0 ? kImageSoftdepMissing : kImagePostSoftdepMissing, d, {{where}},
              fmt::format("{} has `softdep {} {}` ({}), but {} is not in the image: modprobe "
                          "loads {} without it",
                          n, k == 0 ? "pre:" : "post:", d, from_conf ? "modprobe.d" : "modinfo", d,
                          n),
              why_missing(d)));
        }
        queue.push_back(d);
      }
    }
  }

  std::string why_missing(const std::string& n) const {
    if (!s_.disk) return "";
    const resolve::Resolution& res = s_.disk->resolution;
    auto it = res.module_by_name.find(n);
    if (it == res.module_by_name.end())
      return "it is not on disk either for " + s_.rep.kernel_release;
    const auto& rm = res.modules[static_cast<size_t>(it->second)];
    return fmt::format("it is on disk ({}): add it to the image (initramfs-tools: "
                       "/etc/initramfs-tools/modules; dracut: add_drivers+=\" {} \")",
                       res.files[rm.file].path, n);
  }

  ImageScan& s_;
  ModprobeView mp_;
  std::map<std::string, std::vector<std::string>> dep_paths_;  ///< image modules.dep, by name
  std::set<std::string> seen_;
  std::map<std::string, std::string> reason_;  ///< missing module → "needed", "hard", "soft"
};

}  // namespace

void check_closure(ImageScan& s, const Node& img) { ClosureWalk(s, img).run(s.rep.needed); }

void mark_broken_chains(ImageScan& s) {
  for (const auto& [root, b] : s.broken)
    for (auto& m : s.rep.result.modules) {
      if (m.name == root || s.intact.count(m.name) || !m.failed_dependency.empty() ||
          std::find(b.chain.begin(), b.chain.end(), m.name) == b.chain.end())
        continue;
      OwnVerdict own;
      own.loads = m.loads;
      own.errno_name = m.errno_name;
      own.kernel_messages = m.kernel_messages;
      m.own = std::move(own);
      m.loads = false;
      m.errno_name = "ENOENT";  // the stat() that fails the list
      m.failed_dependency = b.missing_names.front();
      m.modprobe_message = fmt::format("not inserted: modprobe {} drops its dependency list ({} "
                                       "is not in the image)",
                                       root, b.missing.front());
    }
}

}  // namespace ofsck::check
