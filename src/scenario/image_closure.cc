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
      for (const auto& [name, de] : md.modules)
        for (const auto& d : de.deps)
          dep_lines_[name].push_back(model::module_name_from_filename(basename_of(d)));
    }
  }

  void run(const std::vector<std::string>& need) {
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
    for (const auto& d : dep_lines_[n]) deps.push_back(d);
    for (const auto& d : deps) {
      if (missing(d)) {
        reason_[d] = "hard";
        s_.sink.add(image_finding(kImageModuleMissing, d, {{where}},
                                  fmt::format("{} depends on {}, which is not in the image: {} "
                                              "cannot load (modprobe: FATAL: Module {} not found)",
                                              n, d, n, d),
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
  std::map<std::string, std::vector<std::string>> dep_lines_;  ///< image modules.dep, by name
  std::set<std::string> seen_;
  std::map<std::string, std::string> reason_;  ///< missing module → "needed", "hard", "soft"
};

}  // namespace

void check_closure(ImageScan& s, const Node& img) { ClosureWalk(s, img).run(s.rep.needed); }

}  // namespace ofsck::check
