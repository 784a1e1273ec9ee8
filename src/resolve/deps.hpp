#pragma once
/// Symbol table, dependency edges, topological sort and cycle report of kmod 30 depmod
/// (depmod_load_symvers/_system_map, depmod_load_modules, depmod_load_module_dependencies,
/// depmod_calculate_dependencies, depmod_report_cycles, mod_get_all_sorted_dependencies).
#include "resolve/resolve.hpp"

namespace ofsck::resolve {

/// Fills r.symbols from `symvers` (if any) and the modules' exports, in array order.
void build_symbol_table(Resolution& r, const std::optional<model::Symvers>& symvers);

/// Fills r.deps (direct edges), r.warnings, then sorts topologically and fills transitive lists
/// and r.cycle_messages (+ a kDependencyCycle problem) exactly as depmod does.
void compute_dependencies(Resolution& r);

/// True when depmod_calculate_dependencies() fails: some module is in, or behind, a cycle.
/// depmod then prints r.cycle_messages ("depmod: ERROR: …"), writes no index and exits 1.
bool has_dependency_cycle(const Resolution& r);

/// The path depmod prints for a module: relative to cfg->dirname when under it, else absolute.
std::string depmod_output_path(const std::string& kmod_path, const std::string& kmod_dirname);

}  // namespace ofsck::resolve
