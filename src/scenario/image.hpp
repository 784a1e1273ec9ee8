#pragma once
/// `ofsck image INITRAMFS`: what a RAM image holds (modules, firmware, module configs), whether
/// the modules a diskless boot needs are in it with their dependency closure, whether they load
/// in the image's own verdict, whether the image is stale against the disk, and whether the
/// firmware its modules name is in it.
#include <cstdint>
#include <string>
#include <vector>

#include "check/check_tree.hpp"
#include "check/result.hpp"
#include "read/archive/initramfs.hpp"
#include "scenario/scratch_root.hpp"

namespace ofsck::check {

struct ImageOptions {
  std::string image;              ///< the initramfs file
  scenario::NodeInputs node;      ///< --root (the disk to compare with), --kernel, trust, ...
  std::vector<std::string> need;  ///< --need MOD...
  bool ib_root = false;           ///< --ib-root: the built-in "network root over InfiniBand" set
  bool list = false;              ///< --list: the text report lists modules, firmware, configs
  read::InitramfsOptions read;
};

/// One module file in the image.
struct ImageModule {
  std::string name;
  std::string path;  ///< inside the image, e.g. usr/lib/modules/<kver>/kernel/...
  uint64_t size = 0;
  std::string sha256;     ///< of the decompressed content (hex); empty if unreadable
  std::string disk_path;  ///< the file that wins on disk, empty if none
  bool identical_on_disk = false;
};

/// Everything `ofsck image` found. `result` carries the image's own verdicts and all findings
/// (OFS4xx image rules plus the check rules evaluated on the image's module tree).
struct ImageReport {
  std::string image;
  std::string kernel_release;
  std::string module_dir;          ///< inside the image
  std::vector<std::string> parts;  ///< e.g. "0x0 none (1 cpio, 0x200 bytes)", "0x200
                                   ///< zstd (1 cpio, 0x5000 bytes from 0x1e00 compressed)"
  size_t entries = 0;
  std::vector<ImageModule> modules;   ///< sorted by path
  std::vector<std::string> firmware;  ///< image paths under lib/firmware, sorted
  std::vector<std::string> configs;   ///< modprobe.d/depmod.d files, sorted
  std::vector<std::string> needed;    ///< the need set after --ib-root expansion
  std::string disk_module_dir;        ///< compared against; empty when not compared
  bool list = false;                  ///< ImageOptions::list: the text lists the inventory
  CheckResult result;
};

/// The modules the --ib-root set always needs (the HCA driver is added from what the image has):
/// ib_ipoib; ib_core and ib_cm come as its dependencies.
const std::vector<std::string>& ib_root_core_modules();
/// HCA/RNIC drivers one of which --ib-root needs.
const std::vector<std::string>& ib_root_hca_drivers();

/// Reads and judges the image. Errors: the image cannot be read (kIo/kNotFound/kMalformed/
/// kTruncated/kTooLarge → exit 3) or several kernels in it without --kernel (kUsage → exit 2).
/// The module tree and configs are extracted to a private ScratchDir (util/scratch_dir.hpp)
/// that is removed before returning; nothing is written anywhere else.
[[nodiscard]] Result<ImageReport> inspect_image(const ImageOptions& o);

}  // namespace ofsck::check
