#pragma once
/// One node: a root, one kernel release of it and the host facts of its boot. prepare() reads
/// everything the verdicts need into a `Node`; evaluate() (check_tree.hpp) computes from it and
/// opens no file. Data flow: NodeSpec → prepare → Node → Boot (boot.hpp) → verdicts → findings.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/boot_kernel.hpp"
#include "check/finding.hpp"
#include "model/config.hpp"
#include "model/kernel.hpp"
#include "model/module.hpp"
#include "read/cache.hpp"
#include "read/pkgdb/pkgdb.hpp"
#include "read/text/modules_dep.hpp"
#include "resolve/modprobe.hpp"
#include "resolve/resolve.hpp"
#include "util/result.hpp"

namespace ofsck::check {

/// Which node: the inputs that decide its verdicts.
struct NodeSpec {
  std::string root = "/";
  std::string kver;        ///< empty: the kernel that boots next (next_boot_kernel())
  std::string symvers;     ///< --symvers (Module.symvers, .gz/.xz accepted)
  std::string system_map;  ///< --system-map (names only)
  /// Host fact: the kernel command line. nullopt: /proc/cmdline for "/", else ""
  /// (read::node_cmdline_text()).
  std::optional<std::string> cmdline;
  std::vector<std::string> trust;  ///< --trust certificate files
  std::vector<std::string> files;  ///< positional FILE.ko: predict `insmod FILE`
  /// Host facts: the kernel that boots this root is another node's (image: the disk's kernel
  /// boots the initramfs). prepare() reads the root with its own facts, then the node takes
  /// these (exports, keys, config, vermagic) for evaluate().
  std::shared_ptr<const model::KernelFacts> kernel_facts;
};

/// How the node is read. None of these changes a verdict.
struct ReadSettings {
  unsigned threads = 0;
  bool verify_content = true;      ///< hash module contents to verify signatures
  bool literal_externals = false;  ///< `external` dirs not re-rooted (what depmod -b does)
  bool skip_kernel_image = false;  ///< do not read certificates from the kernel image
  /// Read the image's certificates even when no module of the tree is signed (by default they
  /// are read only when some file carries a signature: no key can change another verdict).
  bool image_keys_always = false;
  /// Read modprobe's own indexes (modules.alias, modules.builtin[.modinfo]) for name lookups
  /// (EvalOptions::only, image's closure). A ModprobeView of a node read without them is refused
  /// (std::logic_error): lookups never open a file.
  bool modprobe_indexes = false;
  /// Read what evaluate() needs beyond the resolved tree and the kernel facts: the losing
  /// candidates, the firmware the modules name, modules.dep.bin. Off for a node that is never
  /// evaluated (upgrade's FROM, image's disk): evaluate() refuses it (Node::evaluable).
  bool evaluation_reads = true;
  /// Read the root's dpkg/RPM databases (Node::packages). Off with evaluation_reads for a node
  /// whose owners nobody asks for.
  bool packages = true;
  std::string cache_dir;  ///< persistent cache of parsed files; empty = no cache
  /// Read the cache as if paths under `cache_alias_from` were under `cache_alias_to`, and never
  /// write it: `whatif` checks an overlay of symlinks to the root's files.
  std::string cache_alias_from, cache_alias_to;
  std::function<void(size_t done, size_t total)> progress;
};

/// A positional file as read by prepare (`insmod FILE`).
struct GivenFile {
  std::string path;
  Result<model::ModuleFile> module;
};

/// A candidate file that lost its name to another (read for the cause notes of findings).
struct LoserFile {
  uint32_t file = 0;  ///< Resolution::files index
  model::ModuleFile module;
};

/// The root's modules.dep.bin, which modprobe reads instead of the tree (OFS103/OFS112).
struct DepIndexOnDisk {
  bool exists = false;
  Result<read::ModulesDep> index = read::ModulesDep{};
};

/// modprobe's own indexes for name lookups.
struct ModprobeIndexes {
  std::vector<model::ModprobeAlias> aliases;
  std::string alias_source;  ///< where `aliases` came from
  resolve::BuiltinIndex builtin;
};

/// Everything evaluate(), explain, depmod and the scenarios need of one node.
struct Node {
  std::string root;        ///< normalised root ("" for /)
  std::string module_dir;  ///< <root><moddir>/<kver>
  std::string moddir;      ///< "/lib/modules" or "/usr/lib/modules"
  model::KernelFacts kernel;
  BootKernel kernel_choice;  ///< why kernel.release: --kernel, or the boot loader's next boot
  model::DepmodConfig depmod_config;
  model::ModprobeConfig modprobe_config;
  model::KernelCmdline cmdline;
  resolve::Resolution resolution;
  std::vector<Finding> input_findings;  ///< missing symvers, unreadable files, config problems

  // Read by prepare for evaluate, which opens no file.
  std::vector<GivenFile> files;   ///< NodeSpec::files, in order
  std::vector<LoserFile> losers;  ///< every losing candidate that could be read
  DepIndexOnDisk dep_index;
  /// Per Resolution::modules entry: its firmware= names request_firmware() does not find.
  std::vector<std::vector<std::string>> missing_firmware;
  /// The root's dpkg/RPM databases, filtered to module and depmod.d/modprobe.d files; nullopt
  /// without a database. A scenario may edit it before evaluate (read::apply_package_changes
  /// through rules/packages.hpp apply_changes()).
  std::optional<read::PackageDb> packages;
  std::vector<Finding> package_findings;            ///< OFS304 when a database cannot be read
  std::optional<ModprobeIndexes> modprobe_indexes;  ///< with ReadSettings::modprobe_indexes
  /// Content verifications already done (ReadSettings::cache_dir); evaluate adds to it. The
  /// caller saves it after evaluate (verified_signatures->save()), else the last copy of the
  /// node does when it is destroyed (the commands end with _Exit(): they save it themselves).
  std::shared_ptr<read::KeyValueCache> verified_signatures;
  /// ReadSettings::evaluation_reads and ::packages were on: evaluate() may run on this node.
  bool evaluable = true;
  /// The export list resolve_tree() was given (depmod's view: nullopt without one), kept for
  /// a node that will be evaluated: scenario/prove_hints re-resolves it with an edited
  /// depmod.d without reading anything again.
  std::shared_ptr<const std::optional<model::Symvers>> depmod_symvers;
};

/// Reads one node. Errors: kUsage (several kernels, bad option values) → exit 2;
/// kNotFound/kIo (no module tree) → exit 3.
[[nodiscard]] Result<Node> prepare(const NodeSpec& spec, const ReadSettings& rs);

/// Picks the kernel release: `wanted` if given (source "option"), else the kernel `root`
/// boots next (next_boot_kernel(): boot loader, /boot/vmlinuz, newest installed).
[[nodiscard]] Result<BootKernel> choose_kernel(const std::string& root, const std::string& wanted);
/// choose_kernel()'s release.
[[nodiscard]] Result<std::string> pick_kernel(const std::string& root, const std::string& wanted);

}  // namespace ofsck::check
