// `ofsck image INITRAMFS`: inventory and boot readiness of a RAM image (check/image.hpp).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "scenario/image.hpp"
#include "cli/commands.hpp"
#include "report/image.hpp"

namespace ofsck::cli {

namespace {

class ImageCommand : public Command {
 public:
  explicit ImageCommand(CommonOptions& c) : c_(c) {}
  void setup(CLI::App& app) override {
    sub_ = app.add_subcommand(
        "image",
        "Inspect an initramfs: list its modules, firmware and configs; check that needed "
        "modules are in it with their dependencies and load; compare it with the disk");
    add_common_options(sub_, c_);
    sub_->add_option("initramfs", o_.image,
                     "The initramfs image (initrd.img-*, initramfs-*.img); required");
    sub_->add_option("--need", o_.need,
                     "Modules the boot needs before the root is mounted (with their hard "
                     "dependencies and softdep pre: modules), separated by spaces or commas. "
                     "Without an INITRAMFS before --need, a value with a '/' or naming an "
                     "existing file is the INITRAMFS, so `--need ib_core initrd.img` works")
        ->delimiter(',');
    sub_->add_flag("--ib-root", o_.ib_root,
                   "Also need the network-root-over-InfiniBand set: ib_core, ib_uverbs, ib_umad, "
                   "ib_cm, iw_cm, rdma_cm, rdma_ucm, ib_ipoib and the HCA driver(s) in the image");
  }
  int run() override {
    finish_options(c_);
    // CLI11 gives every word after --need to it, the INITRAMFS included.
    std::vector<std::string> names;
    for (auto& v : o_.need) {
      struct stat st;
      bool file = v.find('/') != std::string::npos ||
                  (stat(v.c_str(), &st) == 0 && S_ISREG(st.st_mode));
      if (v.empty()) continue;
      if (file && o_.image.empty()) o_.image = std::move(v);
      else names.push_back(std::move(v));
    }
    o_.need = std::move(names);
    if (o_.image.empty()) {
      std::fprintf(stderr, "ofsck: error: image needs an INITRAMFS file\n");
      return kExitUsage;
    }
    o_.check = c_.check;
    auto r = check::inspect_image(o_);
    if (!r) return report_error(r.error());
    bool color = c_.color == "always" ||
                 (c_.color == "auto" && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr);
    std::string out = c_.format == "json"
                          ? report::render_image_json(*r)
                          : report::render_image_text(*r, {color, c_.verbose, true});
    write_text(out);
    for (const auto& f : r->result.findings)
      if (f.severity == check::Severity::kError) return kExitFindings;
    return kExitOk;
  }

 private:
  CommonOptions& c_;
  check::ImageOptions o_;
};

}  // namespace

std::unique_ptr<Command> make_image_command(CommonOptions& c) {
  return std::make_unique<ImageCommand>(c);
}

}  // namespace ofsck::cli
