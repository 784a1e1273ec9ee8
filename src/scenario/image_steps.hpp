#pragma once
/// The steps of inspect_image() (scenario/image.cc) and what they hand each other; internal to
/// src/scenario/. Each step reads the scan, adds its part of the report and its findings.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "check/check_tree.hpp"
#include "check/finding.hpp"
#include "model/module.hpp"
#include "read/archive/initramfs.hpp"
#include "scenario/image.hpp"
#include "scenario/image_view.hpp"

namespace ofsck::check {

using ImageFiles = std::map<std::string, const read::InitramfsEntry*>;

/// A module modprobe is asked for (a needed module, or a softdep of the closure) whose line in
/// the image's modules.dep names a file the image lacks. libkmod's kmod_module_parse_depline()
/// (kmod 30..34) stat()s every listed path and, on the first that fails, drops the whole list:
/// modprobe then inserts the module alone, none of its dependencies.
struct BrokenChain {
  std::vector<std::string> missing;  ///< the listed paths that are not in the image
  std::vector<std::string> missing_names;
  std::vector<std::string> chain;  ///< every module of the line (modules.dep order)
};

/// What inspect_image()'s steps share.
struct ImageScan {
  ImageScan(const ImageOptions& opts, const read::Initramfs& image)
      : o(opts), img(image), view(image), label(opts.image + "!") {}

  const ImageOptions& o;
  const read::Initramfs& img;
  ImageView view;
  std::string label;   ///< "IMAGE!": the prefix of paths inside the image
  ImageFiles tree;     ///< files under the image's module directory
  ImageFiles configs;  ///< the image's modprobe.d/depmod.d files and modprobe.conf
  std::map<std::string, size_t> by_name;  ///< module name → rep.modules index (first in path order)
  std::vector<std::optional<model::ModuleFile>> parsed;  ///< per rep.modules entry
  std::set<std::string> builtin;  ///< modules.builtin of the image's tree, else the disk's
  std::optional<Node> disk;       ///< the disk's kernel of the same release, when readable
  std::set<std::string> closure;  ///< the need set's closure (check_closure), names in the image
  std::map<std::string, BrokenChain> broken;  ///< modprobe root → its dropped dependency list
  std::set<std::string> intact;  ///< modules the need set's intact modprobe chains insert
  DiagnosticSink sink;
  ImageReport rep;
};

// image_read.cc: the image alone.
/// --kernel, else the only release under (usr/)lib/modules in the image; its module dir.
[[nodiscard]] Result<void> choose_image_kernel(ImageScan& s);
/// Parts, module tree, firmware and configuration files.
void take_inventory(ImageScan& s);
/// Every module parsed from the image bytes (with content hashes), and modules.builtin.
void read_image_modules(ImageScan& s);

// image_compare.cc: the image against the disk.
/// The same kernel under --root, resolved exactly as `check` does (OFS4xx when unreadable).
void prepare_disk(ImageScan& s);
/// (c) stale modules: the image file vs the file that wins on disk, by decompressed content.
void compare_with_disk(ImageScan& s);
/// (d) firmware the image's modules name but the image lacks: those of the need set's closure
/// when there is one (an error when none of a module's firmware files is there), else of every
/// module (warnings).
void check_image_firmware(ImageScan& s);

// image_closure.cc: the modules a diskless boot needs.
/// --need and the --ib-root set (with the HCA drivers the image has), sorted and unique.
std::vector<std::string> need_set(ImageScan& s);
/// (b) the need set's closure: modinfo depends= and the image's modules.dep (hard), softdep
/// pre:/post: from the image's modprobe configuration (`img` prepared on the extracted tree).
/// Fills s.closure, s.broken and s.intact.
void check_closure(ImageScan& s, const Node& img);
/// The verdicts of the modules a broken chain leaves out (and no intact chain inserts): not
/// inserted, with their own verdict beside.
void mark_broken_chains(ImageScan& s);

/// Module file names as kmod recognises them.
bool is_module_file(const std::string& p);
std::string basename_of(const std::string& p);
/// A SHA-256 digest in hex.
std::string sha256_hex(const std::array<uint8_t, 32>& d);
/// The bytes of an image file as text.
std::string_view text_of(const read::InitramfsEntry& e);

/// A finding at `where` (image findings name paths as IMAGE!path).
Finding image_finding(std::string_view rule, std::string subject, std::vector<SourceRef> where,
                      std::string message, std::string hint = {});

}  // namespace ofsck::check
