#pragma once
/// What `ofsck check` produces: per-module verdicts plus findings. Plain data for report/.
#include <optional>
#include <string>
#include <vector>

#include "check/finding.hpp"
#include "check/load_sim.hpp"

namespace ofsck::check {

/// A module's own load when modprobe never gets to it (a dependency fails first): simulated as
/// if every dependency had loaded, so that fixing the dependency shows what comes next.
struct OwnVerdict {
  bool loads = true;
  std::string errno_name;  ///< empty when it loads
  std::string stage;       ///< load_module() step that fails (stage_name()), empty when it loads
  std::vector<KernelLine> kernel_messages;
  /// False when it fails only on imports that bind to (or are missing from) a failing module of
  /// its chain: a fixed build of that module may provide them, so its own fate is not known.
  bool certain = true;
};

/// A modprobe.d `install` line that replaces the insert of a module of the load chain: modprobe
/// runs the command instead of inserting the file (kmod_module_probe_insert_module()).
struct InstallCommand {
  std::string module;   ///< whose insert it replaces: the module itself or a dependency
  std::string command;  ///< as written after the module pattern
  SourceRef where;      ///< the modprobe.d line
};

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
  /// With a failed dependency: the module's own verdict, as if its dependencies loaded.
  std::optional<OwnVerdict> own;
  /// The first `install` command that replaces an insert of its chain (itself last), if any:
  /// `loads` is then what the kernel would do with the file, which the command may never load.
  std::optional<InstallCommand> install;
  bool given = false;       ///< a positional FILE (`insmod FILE`), `file` as given
  bool unreadable = false;  ///< a given FILE that could not be read at all: no verdict
};

/// Summary of the inputs the verdicts were computed from.
struct InputSummary {
  std::string root, kernel_release, module_dir;
  /// Why this kernel (BootKernel): source "option", "grub", "bls", "vmlinuz-link", "newest"
  /// or "running", the reason in words, and uname -r when the root is this system.
  std::string kernel_source, kernel_reason, running_kernel;
  std::string vermagic, vermagic_source;
  std::string exports_source;  ///< Module.symvers/System.map/kernel image used, empty = none
  std::string exports_kind;    ///< KernelFacts::exports_kind
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

/// Findings left out of the report by --ignore / the config's `ignore` lines and by a baseline
/// (report/suppress.hpp): counted, never dropped silently.
struct SuppressedCounts {
  size_t ignored = 0;   ///< --ignore RULE[:SUBJECT] and `ignore =` lines
  size_t baseline = 0;  ///< entries of --baseline FILE
  [[nodiscard]] size_t total() const { return ignored + baseline; }
};

struct CheckResult {
  InputSummary inputs;
  std::vector<ModuleResult> modules;  ///< sorted by name
  std::vector<Finding> findings;      ///< sorted (DiagnosticSink)
  size_t unreadable = 0;              ///< files that could not be read at all
  SuppressedCounts suppressed;        ///< findings removed from `findings` (report/suppress)
};

}  // namespace ofsck::check
