#pragma once
/// How modprobe hands a module to the kernel (kmod_module_insert_module()), which depends on the
/// root's kmod and the kernel's own decompressor. It changes no verdict: the kernel checks the
/// same decompressed image either way. It is reported so an admin knows which code decompresses.
#include <string>
#include <vector>

#include "model/kernel.hpp"
#include "model/module.hpp"

namespace ofsck::check {

/// One line for `check -v` and JSON: e.g. "kmod 34 hands .ko.xz to finit_module(
/// MODULE_INIT_COMPRESSED_FILE): the kernel decompresses (CONFIG_MODULE_DECOMPRESS, xz)".
/// `compressions`: the formats of the tree's module files (kNone included when some are plain).
std::string module_insert_path(const model::KernelFacts& k, int kmod_major,
                               const std::vector<model::Compression>& compressions);

}  // namespace ofsck::check
