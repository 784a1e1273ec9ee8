#pragma once
/// One simulated boot of a prepared node: modprobe inserts a module's modules.dep list in
/// reverse order, then the module; the kernel binds each import to vmlinux first, then to the
/// loaded modules newest first (find_symbol). A module whose hard dependency fails is never
/// inserted. Serves evaluate, explain, upgrade (a linked world: replacement modules take the
/// names of the node's winners) and image. Computes only; opens no file.
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "check/load_sim.hpp"
#include "check/node.hpp"

namespace ofsck::check {

/// A module that can be in the simulated kernel: a node module or a replacement.
struct BootModule {
  const model::ModuleFile* file = nullptr;
  const ExportIndex* exports = nullptr;
  std::string name;      ///< the kernel's name for it (kernel_module_name)
  int index = -1;        ///< Resolution::modules index, -1 for a replacement
  int replacement = -1;  ///< index into the replacements, -1 for a node module
};

/// A module file put in place of the node's module of the same name (upgrade: a FROM module
/// linked into TO's weak-updates/).
struct Replacement {
  const model::ModuleFile* file = nullptr;
  std::string name;      ///< the Resolution::modules name it takes (normalised)
  bool in_place = true;  ///< false: only simulated on its own (takes no name, provides nothing)
};

class Boot {
 public:
  /// `replacements` (e.g. upgrade's candidates linked into weak-updates/) take the names of
  /// the node's modules and provide their exports first in provider(); their files must
  /// outlive the Boot. The node must outlive it too.
  explicit Boot(const Node& node, std::string comm = "modprobe", unsigned threads = 0,
                std::span<const Replacement> replacements = {});

  [[nodiscard]] const Node& node() const { return node_; }

  /// Builds every export index and verifies every signature, on all threads (one public-key
  /// operation per signed module: the slowest step of a first run). Until it runs, indexes and
  /// verdicts are made on first use, which is not thread-safe.
  void index_all();
  /// The own verdict of every readable module, on all threads (after index_all()).
  void precompute_all();

  /// Modules in the kernel when a module with modules.dep list `chain` is inserted, newest
  /// first (= the modules.dep list order); unreadable ones are skipped.
  [[nodiscard]] std::vector<LoadedModule> loaded_before(const std::vector<int>& chain);
  /// Inserts `chain` in modprobe's order (the reverse of the modules.dep list), appending each
  /// name to `order`; returns the first module that is unreadable or fails its own load, or -1.
  int insert_chain(const std::vector<int>& chain, std::vector<std::string>& order);
  /// Module i's own load after its modules.dep list (memoised).
  const LoadVerdict& own_verdict(size_t i);
  /// The signature verdict of module i (memoised).
  const SigVerdict& signature(size_t i);
  /// A signature verdict through the node's verified-signatures cache.
  [[nodiscard]] SigVerdict verify(const model::ModuleFile& m) const;
  /// Module i's load with every import's binding recorded (explain).
  [[nodiscard]] LoadVerdict explain(size_t i);

  // The linked world (upgrade): node modules with the replacements in place of their names.
  [[nodiscard]] BootModule module(size_t i);
  [[nodiscard]] BootModule replacement(size_t r) const;
  /// depmod's provider of `symbol`: nullopt = vmlinux or nobody. Replacements first, then the
  /// node's owner unless a replacement took its name.
  [[nodiscard]] std::optional<BootModule> provider(const std::string& symbol);
  /// modprobe's insertion order for `root` when its dependencies are found by symbol:
  /// dependencies first (depth-first post-order), `root` last.
  [[nodiscard]] std::vector<BootModule> import_chain(const BootModule& root);

 private:
  const ExportIndex& exports(size_t i);
  void visit(const BootModule& n, std::unordered_set<std::string>& seen,
             std::vector<BootModule>& out);

  const Node& node_;
  std::string comm_;
  unsigned threads_;
  std::vector<std::unique_ptr<ExportIndex>> exports_;  // per resolution module
  std::vector<std::optional<LoadVerdict>> own_;        // memo: the module's own load
  std::vector<std::optional<SigVerdict>> sig_;
  std::vector<Replacement> repl_;
  std::vector<std::unique_ptr<ExportIndex>> repl_exports_;
  std::unordered_map<std::string, int> repl_by_symbol_;
  std::unordered_set<std::string> replaced_names_;
};

}  // namespace ofsck::check
