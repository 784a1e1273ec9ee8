// `ofsck image INITRAMFS`: inventory and boot readiness of a RAM image (scenario/image.hpp).
#include <cstdio>

#include "cli/commands.hpp"
#include "report/image.hpp"

namespace ofsck::cli {

namespace {

/// CLI11 gives every word after --need to it, the INITRAMFS included: the first value with a
/// '/' or naming a regular file becomes the image when none was given before --need.
void split_need_image(check::ImageOptions& o) {
  std::vector<std::string> names;
  for (auto& v : o.need) {
    bool file = v.find('/') != std::string::npos || is_regular_file(v);
    if (v.empty()) continue;
    if (file && o.image.empty()) o.image = std::move(v);
    else names.push_back(std::move(v));
  }
  o.need = std::move(names);
}

}  // namespace

int run_image(Args& a) {
  finish_options(a.common);
  split_need_image(a.image);
  if (a.image.image.empty()) return usage_error("image needs an INITRAMFS file");
  a.image.node = a.common.node;
  auto r = check::inspect_image(a.image);
  if (!r) return report_error(r.error());
  if (int rc = apply_suppression(a.common, r->result)) return rc;
  print_report(a.common, *r, &report::render_image_json, &report::render_image_text);
  return exit_for(r->result.findings);
}

void image_options(CLI::App* sub, Args& a) {
  sub->add_option("initramfs", a.image.image,
                  "The initramfs image (initrd.img-*, initramfs-*.img); required");
  sub->add_option("--need", a.image.need,
                  "Modules the boot needs before the root is mounted (with their hard "
                  "dependencies and softdep pre: modules), separated by spaces or commas. "
                  "Firmware is then checked for this closure only: a needed module none of "
                  "whose firmware= files is in the image is an error. "
                  "Without an INITRAMFS before --need, a value with a '/' or naming an "
                  "existing file is the INITRAMFS, so `--need ib_core initrd.img` works")
      ->delimiter(',');
  sub->add_flag("--ib-root", a.image.ib_root,
                "Also need what a network root over IPoIB needs: ib_ipoib (with ib_core and "
                "ib_cm, its dependencies) and the HCA driver(s) in the image. Userspace-verbs "
                "and management modules (ib_umad, ib_uverbs, rdma_ucm) and rdma_cm are not "
                "needed to mount the root");
  sub->add_flag("--list", a.image.list,
                "List the image's modules, firmware and configuration files in the text "
                "report (by default only their counts; JSON always carries the lists)");
}

}  // namespace ofsck::cli
