// The steps of inspect_image() that compare the image with the disk (scenario/image_steps.hpp).
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "check/firmware.hpp"
#include "check/rules.hpp"
#include "read/parallel.hpp"
#include "read/text/modules_files.hpp"
#include "scenario/image_steps.hpp"
#include "scenario/scratch_root.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

void prepare_disk(ImageScan& s) {
  scenario::NodeInputs d = s.o.node;
  d.spec.kver = s.rep.kernel_release;
  d.spec.files.clear();
  // The disk node is compared with, never evaluated, and answers no name lookup.
  d.rs.modprobe_indexes = false;
  d.rs.evaluation_reads = false;
  d.rs.packages = false;
  auto p = prepare(d.spec, d.rs);
  if (!p) {
    s.sink.add(image_finding(kImageNotOnDisk, s.rep.kernel_release, {{s.o.node.spec.root}},
                             fmt::format("the image was not compared with the disk: {}",
                                         to_string(p.error())),
                             "pass --root with the system whose kernel boots this image"));
    return;
  }
  s.disk = std::move(*p);
  s.rep.disk_module_dir = s.disk->module_dir;
  if (!s.builtin.empty()) return;
  std::ifstream in(s.disk->module_dir + "/modules.builtin");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& m : read::parse_modules_builtin(text, s.disk->module_dir).modules)
    s.builtin.insert(m.name);
}

namespace {

/// The finding for an image module whose content differs from the disk's winner.
Finding stale_finding(const ImageScan& s, size_t i, const model::ModuleFile& on_disk) {
  const ImageModule& m = s.rep.modules[i];
  std::string disk_sha = sha256_hex(on_disk.content_sha256);
  Finding f =
      image_finding(kImageStaleModule, m.name, {{s.label + "/" + m.path}, {m.disk_path}},
                    fmt::format("{} in the image ({}) differs from the file that wins on disk ({})",
                                m.name, m.path, m.disk_path),
                    "rebuild the image (update-initramfs -u -k " + s.rep.kernel_release +
                        ", or dracut -f)");
  f.notes.push_back(fmt::format("image sha256 {} ({} bytes)", m.sha256, m.size));
  f.notes.push_back(fmt::format("disk  sha256 {}", disk_sha));
  if (s.parsed[i] && s.parsed[i]->info.srcversion != on_disk.info.srcversion)
    f.notes.push_back(fmt::format("srcversion {} in the image, {} on disk",
                                  s.parsed[i]->info.srcversion, on_disk.info.srcversion));
  return f;
}

}  // namespace

void compare_with_disk(ImageScan& s) {
  if (!s.disk) return;
  const resolve::Resolution& res = s.disk->resolution;
  std::vector<std::string> paths;
  std::vector<size_t> idx;
  for (size_t i = 0; i < s.rep.modules.size(); ++i) {
    ImageModule& m = s.rep.modules[i];
    auto it = res.module_by_name.find(m.name);
    if (it == res.module_by_name.end()) {
      s.sink.add(image_finding(
          kImageNotOnDisk, m.name, {{s.label + "/" + m.path}},
          fmt::format("{} in the image has no file on disk in {}", m.name, s.disk->module_dir),
          "the image was built from another tree, or the module was removed since"));
      continue;
    }
    m.disk_path = res.files[res.modules[static_cast<size_t>(it->second)].file].path;
    paths.push_back(m.disk_path);
    idx.push_back(i);
  }
  read::ReadOptions ro;
  ro.content_sha256 = true;
  auto read = read::read_modules_parallel(paths, ro, s.o.node.rs.threads);
  for (size_t j = 0; j < paths.size(); ++j) {
    ImageModule& m = s.rep.modules[idx[j]];
    if (!read[j] || m.sha256.empty()) continue;  // unreadable: the verdicts report it
    m.identical_on_disk = sha256_hex(read[j]->content_sha256) == m.sha256;
    if (!m.identical_on_disk) s.sink.add(stale_finding(s, idx[j], *read[j]));
  }
}

namespace {

/// The disk's copies of missing firmware, for the hint.
std::string firmware_on_disk(const std::string& given_root, const std::vector<std::string>& fws) {
  std::string on_disk;
  std::string root = given_root == "/" ? "" : given_root;
  for (const auto& fw : fws)
    for (const char* suf : {"", ".xz", ".zst"}) {
      std::error_code ec;
      if (fs::exists(root + "/lib/firmware/" + fw + suf, ec)) {
        on_disk += (on_disk.empty() ? "" : ", ") + root + "/lib/firmware/" + fw + suf;
        break;
      }
    }
  return on_disk;
}

}  // namespace

namespace {

/// OFS404 for module `i` missing `missing` of its firmware. In the need set's closure the
/// driver requests it before the root is mounted: OFS407, an error, when none of its firmware
/// files is in the image. A module naming several files usually wants one per chip or revision
/// (r8169 names 30 and asks for the one of its chip), so with one of them present the image may
/// well hold the file the adapter needs: a warning then, since which one is wanted is known only on
/// the machine. (The driver may also run without its firmware; that is the driver's choice,
/// not visible here, so no firmware at all for a needed driver is an error to look at.)
Finding firmware_finding(const ImageScan& s, size_t i, const std::vector<std::string>& missing,
                         bool needed) {
  const ImageModule& m = s.rep.modules[i];
  const size_t named = s.parsed[i]->info.firmware.size();
  const bool none = missing.size() == named;
  std::string on_disk = firmware_on_disk(s.o.node.spec.root, missing);
  std::string msg = fmt::format("{} names firmware not in the image: {} ({} of {})", m.name,
                                fmt::join(missing, ", "), missing.size(), named);
  if (needed && none)
    msg += fmt::format(": {} is needed before the root is mounted, and its driver cannot come up "
                       "then: none of the firmware it requests is there",
                       m.name);
  else if (needed)
    msg += fmt::format(": {} is needed before the root is mounted; {} of its firmware files {} "
                       "in the image, and whether the adapter needs a missing one depends on its "
                       "chip",
                       m.name, named - missing.size(), named - missing.size() == 1 ? "is" : "are");
  Finding f = image_finding(needed && none ? kImageNeededFirmwareMissing : kImageFirmwareMissing,
                            m.name, {{s.label + "/" + m.path}}, msg,
                            on_disk.empty() ? "install the firmware package, then rebuild the image"
                                            : "the firmware is on disk: rebuild the image");
  if (!on_disk.empty()) f.notes.push_back("on disk: " + on_disk);
  f.notes.push_back("the kernel logs \"Direct firmware load for <name> failed with error -2\" "
                    "when the driver requests a missing file before the root is mounted");
  return f;
}

}  // namespace

void check_image_firmware(ImageScan& s) {
  // request_firmware()'s search path (fw_path[] in drivers/base/firmware_loader/main.c) with
  // the suffixes of the compressed-firmware loader. With a need set, only its closure's
  // modules are asked for before the root is mounted; without one, every module's.
  const bool need = !s.rep.needed.empty();
  auto in_image = [&](const std::string& rel) { return s.view.file(rel) != nullptr; };
  for (size_t i = 0; i < s.rep.modules.size(); ++i) {
    if (!s.parsed[i] || (need && !s.closure.count(s.rep.modules[i].name))) continue;
    std::vector<std::string> missing;
    for (const auto& fw : s.parsed[i]->info.firmware)
      if (!find_firmware(in_image, s.rep.kernel_release, fw)) missing.push_back(fw);
    if (!missing.empty()) s.sink.add(firmware_finding(s, i, missing, need));
  }
}

}  // namespace ofsck::check
