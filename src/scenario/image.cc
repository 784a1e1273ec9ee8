// inspect_image(): the initramfs as the kernel unpacks it (read/archive/initramfs), then the
// same prepare()/evaluate() that `check` runs, on the image's own module tree and configs.
//
// The image's tree is extracted to a scratch directory (util/scratch_dir) because prepare()
// reads a root directory (depmod.d/modprobe.d merge, modules.dep.bin through libkmod): one
// implementation of every rule, no in-memory second copy. Kernel facts (exports, trusted keys,
// vermagic, config) come from the disk root's kernel of the same release, which is what boots
// the image. The steps live in image_read.cc, image_compare.cc and image_closure.cc.
#include "scenario/image.hpp"

#include <filesystem>
#include <fstream>

#include "check/rules.hpp"
#include "scenario/image_steps.hpp"
#include "scenario/path_map.hpp"
#include "scenario/prove_hints.hpp"
#include "scenario/scratch_root.hpp"
#include "util/scratch_dir.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

// A network root over IPoIB needs the IPoIB netdevice (ib_ipoib, which depends on ib_core and
// ib_cm: they come with its closure) on an adapter (the HCA driver, with its own closure).
// ib_umad (MAD access for opensm/ibacm), ib_uverbs and rdma_ucm (userspace verbs and RDMA CM),
// iw_cm and rdma_cm (used by NFS/RDMA, iSER, SRP, not by IPoIB) are not needed to mount it.
const std::vector<std::string>& ib_root_core_modules() {
  static const std::vector<std::string> k = {"ib_ipoib"};
  return k;
}

const std::vector<std::string>& ib_root_hca_drivers() {
  static const std::vector<std::string> k = {"mlx5_ib",    "mlx4_ib",        "irdma",    "bnxt_re",
                                             "hfi1",       "ib_qib",         "qedr",     "efa",
                                             "erdma",      "mana_ib",        "iw_cxgb4", "ocrdma",
                                             "vmw_pvrdma", "hns_roce_hw_v2", "rdma_rxe", "siw"};
  return k;
}

namespace {

Result<void> write_file(const std::string& path, std::span<const std::byte> data) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) return make_error(ErrorCode::kIo, "cannot write the extracted image file", {path});
  return {};
}

/// The module tree and configs, extracted to a scratch root for prepare()/evaluate().
Result<ScratchDir> extract(const ImageScan& s) {
  auto tmp = ScratchDir::create("image", "a private directory for the image's tree");
  if (!tmp) return tl::unexpected(tmp.error());
  for (const ImageFiles* files : {&s.tree, &s.configs})
    for (const auto& [p, e] : *files)
      if (auto w = write_file(tmp->path() + "/" + p, e->data); !w) return tl::unexpected(w.error());
  return tmp;
}

/// The check of the extracted tree: no cache (its paths are new on every run), no kernel image;
/// the disk's exports when no --symvers is given; modprobe's indexes for the closure and the
/// needed modules' verdicts. The kernel that boots the image is the disk's: its facts (exports,
/// keys, config, vermagic) are the node's (NodeSpec::kernel_facts).
scenario::NodeInputs image_inputs(const ImageScan& s, const std::string& tree) {
  scenario::NodeInputs in = s.o.node;
  in.spec.root = tree;
  in.spec.kver = s.rep.kernel_release;
  in.spec.files.clear();
  in.rs.cache_dir.clear();
  in.rs.skip_kernel_image = true;
  in.rs.progress = nullptr;
  in.rs.modprobe_indexes = true;
  // (A list file only: exports the disk read from its kernel image come with kernel_facts.)
  if (s.disk && !s.disk->kernel.exports_source.empty() && in.spec.symvers.empty() &&
      !s.disk->kernel.exports_kind.starts_with("kernel image"))
    in.spec.symvers = s.disk->kernel.exports_source;
  if (s.disk) in.spec.kernel_facts = std::make_shared<const model::KernelFacts>(s.disk->kernel);
  return in;
}

/// The image's own verdict for the needed closure (or every module when nothing is needed).
/// Hints that propose an edit of the image's depmod.d are proven on the image's node.
void evaluate_image(ImageScan& s, Node& img, EvalOptions eo) {
  eo.only.clear();
  for (const auto& n : s.rep.needed)
    if (s.by_name.count(n)) eo.only.push_back(n);
  if (!s.rep.needed.empty() && eo.only.empty()) return;
  s.rep.result = evaluate(img, eo);
  scenario::prove_hints(img, eo, s.rep.result.findings);
}

/// Paths back from the scratch tree to IMAGE!path; all findings sorted into the report. The
/// scratch tree holds no firmware, so check's OFS217 would call every firmware file missing:
/// the image's firmware is judged by check_image_firmware() (OFS404/OFS407) on its own files.
void map_back(ImageScan& s, const std::string& tree) {
  for (auto& f : s.rep.result.findings)
    for (auto& w : f.where) {
      // Config findings carry paths as on the target system: those are the image's files.
      std::error_code ec;
      if (w.path.starts_with("/") && !w.path.starts_with(tree) && fs::exists(tree + w.path, ec))
        w.path = s.label + w.path;
    }
  scenario::PathMap{tree, s.label}(s.rep.result);
  for (auto& f : s.rep.result.findings)
    if (f.rule != kFirmwareMissing) s.sink.add(std::move(f));
  s.rep.result.findings = s.sink.take();
}

}  // namespace

Result<ImageReport> inspect_image(const ImageOptions& o) {
  auto img = read::read_initramfs(o.image, o.read);
  if (!img) return tl::unexpected(img.error());
  ImageScan s(o, *img);
  s.rep.list = o.list;
  if (auto k = choose_image_kernel(s); !k) return tl::unexpected(k.error());
  take_inventory(s);
  read_image_modules(s);
  prepare_disk(s);
  compare_with_disk(s);

  auto tree = extract(s);
  if (!tree) return tl::unexpected(tree.error());
  scenario::NodeInputs in = image_inputs(s, tree->path());
  s.rep.needed = need_set(s);
  auto prep = scenario::PathMap{tree->path(), s.label}(prepare(in.spec, in.rs));
  if (!prep) return tl::unexpected(prep.error());
  check_closure(s, *prep);
  check_image_firmware(s);
  evaluate_image(s, *prep, std::move(in.eo));
  mark_broken_chains(s);
  map_back(s, tree->path());
  return std::move(s.rep);
}

}  // namespace ofsck::check
