#pragma once
/// What `ofsck check` produces: per-module verdicts plus findings. Plain data for report/.
#include <string>
#include <vector>

#include "check/finding.hpp"
#include "check/load_sim.hpp"

namespace ofsck::check {

/// The verdict for one module name, as modprobe would load it on the target boot.
struct ModuleResult {
  std::string name;  ///< module name (normalised)
  std::string
      file;  ///< winning file, relative to the module dir (absolute for externals and given files)
  bool loads = true;
  std::string errno_name;  ///< "ENOEXEC"…, empty when it loads
  std::vector<KernelLine> kernel_messages;
  std::string failed_dependency;  ///< empty = none
  std::string taints;
  std::string modprobe_message;  ///< e.g. "modprobe: ERROR: could not insert 'x': Invalid argument"
  std::vector<std::string> load_order;  ///< modules inserted before it (insertion order)
  bool given = false;                   ///< a positional FILE (`insmod FILE`), `file` as given
  bool unreadable = false;              ///< a given FILE that could not be read at all: no verdict
};

/// Summary of the inputs the verdicts were computed from.
struct InputSummary {
  std::string root, kernel_release, module_dir;
  std::string vermagic, vermagic_source;
  std::string exports_source;  ///< Module.symvers/System.map used, empty = none
  bool exports_have_crcs = false;
  std::string config_source;
  size_t trusted_certificates = 0;
  bool kernel_image_read = false;  ///< false: no file is signed, so the image was not opened
  std::string trust_source;
  std::string cmdline;
  size_t module_files = 0;  ///< candidate files scanned
  /// The root's kmod whose rules read its configuration, e.g. 30, with where that came from
  /// (kmod_version_source starts with "assumed" when nothing on the root said).
  int kmod_version = 30;
  std::string kmod_version_source;
  /// CONFIG_MODVERSIONS as decided from the kernel's own evidence (file + the line read there).
  bool modversions = true;
  std::string modversions_source, modversions_evidence;
  /// The kernel image whose keys were read (empty: none found) and how it was found.
  std::string kernel_image, kernel_image_found_by;
  /// How modprobe hands modules to the kernel: who decompresses (check/insert_path.hpp).
  std::string module_insert;
};

struct CheckResult {
  InputSummary inputs;
  std::vector<ModuleResult> modules;  ///< sorted by name
  std::vector<Finding> findings;      ///< sorted (DiagnosticSink)
  size_t unreadable = 0;              ///< files that could not be read at all
};

}  // namespace ofsck::check
