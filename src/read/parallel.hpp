#pragma once
/// Parallel reading of many module files, the bloaty way: an atomic index hands out files to
/// worker threads, which write results[i]; the output order equals the input order.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "model/module.hpp"
#include "read/module_reader.hpp"
#include "util/result.hpp"

namespace ofsck::read {

/// Where a reader hands record i (from worker threads; each index once, indexes distinct).
using ModuleSink = std::function<void(size_t index, Result<model::ModuleFile>&& record)>;

/// Reads every path with read_module() and hands each record to `sink` as soon as it is read,
/// so no second array of records is held. `threads` = 0 uses hardware_concurrency().
/// `progress`, if set, is called (from worker threads, serialised) after each file.
/// `yield`, if set and there are 2+ workers, is called by the last worker before its first
/// file: it blocks while other CPU-bound work of the same run (the kernel image's decode)
/// still needs a core, which then ends, and frees its memory, before the module records peak.
/// The other workers read meanwhile; the last one joins them when `yield` returns.
void read_modules_into(const std::vector<std::string>& paths, const ReadOptions& opts,
                       unsigned threads, const ModuleSink& sink,
                       const std::function<void(size_t done, size_t total)>& progress = {},
                       const std::function<void()>& yield = {});

/// The same, collected in input order.
[[nodiscard]] std::vector<Result<model::ModuleFile>> read_modules_parallel(
    const std::vector<std::string>& paths, const ReadOptions& opts, unsigned threads = 0,
    const std::function<void(size_t done, size_t total)>& progress = {},
    const std::function<void()>& yield = {});

}  // namespace ofsck::read
