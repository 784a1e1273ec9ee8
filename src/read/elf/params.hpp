#pragma once
/// The maximum element count of each array parameter, read from a module's __param section.
/// modinfo's parmtype= says only "array of int"; the count lives in the struct kparam_array
/// that module_param_array() builds (include/linux/moduleparam.h):
///   struct kernel_param { const char *name; [struct module *mod; (4.2+)]
///                         const struct kernel_param_ops *ops; u16 perm; level; [flags;]
///                         union { void *arg; ...; const struct kparam_array *arr; }; };
///   struct kparam_array { unsigned int max; unsigned int elemsize; unsigned int *num; ... };
/// An array entry is the one whose ops field is relocated against `param_array_ops`. On LP64
/// (x86_64, arm64) `arg` sits 16 bytes after `ops` in both layouts (3.10: perm u16 + level s16,
/// 4.2+: perm u16 + level s8 + flags u8, padded to 8), and `name` 8 bytes before `ops`, or 16
/// when the field at ops-8 is `mod` (relocated against __this_module). In a relocatable .ko all
/// three are zero and filled in by .rela__param; they are followed to the name string and to
/// the u32 `max`. Anything else (another machine, REL relocations, a missing relocation, a
/// target out of its section) leaves the maximum unknown: it is never guessed.
#include <vector>

#include "model/module.hpp"
#include "read/elf/elf_file.hpp"
#include "util/result.hpp"

namespace ofsck::read::elf {

/// What decode_param_arrays() found.
struct ParamArrays {
  std::vector<model::ParamArray> arrays;  ///< in __param order; only fully decoded entries
  bool decoded = false;  ///< the layout is one this reader knows (ELF64 LE x86_64/arm64, RELA)
};

/// Reads the array maxima. Errors are only I/O errors of `f`; a __param that is not as
/// expected yields decoded == false or fewer entries, never an error.
[[nodiscard]] Result<ParamArrays> decode_param_arrays(ElfFile& f, const std::vector<Symbol>& syms);

}  // namespace ofsck::read::elf
