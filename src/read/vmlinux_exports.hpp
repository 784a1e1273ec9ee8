#pragma once
/// vmlinux's own export tables, read from the kernel image: what Module.symvers says about
/// vmlinux, for roots without the headers package. The linker script (include/asm-generic/
/// vmlinux.lds.h) gathers every ___ksymtab+SYM input section into one output section per
/// table, sorted by name, and the strings into __ksymtab_strings; the stripped vmlinux in a
/// bzImage keeps its section headers. Layouts read (kernel-semantics.md §4.2):
/// - struct kernel_symbol entries, either absolute {value, name[, namespace]} words (≤4.18, and
///   arches without CONFIG_HAVE_ARCH_PREL32_RELOCATIONS) or PREL32 {value_offset, name_offset
///   [, namespace_offset]} (4.19+; the namespace field 5.4+, 0 or "" = none);
/// - tables __ksymtab, __ksymtab_gpl, __ksymtab_gpl_future, __ksymtab_unused(_gpl) (the last
///   three gone in 5.12/5.13), or one __ksymtab plus __kflagstab, one byte per entry, bit 0
///   KSYM_FLAG_GPL_ONLY (7.x, include/linux/module_symbol.h);
/// - CRCs in the __kcrctab* twin of each table: unsigned long before 4.10, u32 since, or with
///   CONFIG_MODULE_REL_CRCS (ppc64, 4.10–5.18) an s32 offset to the u32 CRC; no __kcrctab at
///   all without CONFIG_MODVERSIONS (then every CRC is 0, as modpost writes it).
/// Relocations are already applied in a linked vmlinux (ET_EXEC, or ET_DYN when relocatable).
#include <cstdint>
#include <span>
#include <string>

#include "model/symbols.hpp"
#include "util/result.hpp"

namespace ofsck::read {

struct VmlinuxExports {
  /// path = the image; one SymversEntry per export with module "vmlinux", in table order;
  /// layout kUnknown (the file has no Module.symvers layout).
  model::Symvers symvers;
  bool has_crcs = false;  ///< a __kcrctab was read (CONFIG_MODVERSIONS)
  std::string layout;     ///< readable: "PREL32 {value, name, namespace}, u32 __kcrctab"
};

/// Decodes the export tables of a vmlinux ELF held in `elf`. `kernel_version` is
/// major*100+minor (0 = unknown), used only to tell CONFIG_MODULE_REL_CRCS CRCs apart. `path`
/// labels errors and becomes symvers.path.
[[nodiscard]] Result<VmlinuxExports> parse_vmlinux_exports(std::span<const std::byte> elf,
                                                           const std::string& path,
                                                           int kernel_version = 0);

/// The exports of the kernel image (bzImage) at `path`: the whole payload decoded, then
/// parse_vmlinux_exports(). Costs a full decode (~0.6 s CPU for Debian's 66 MiB xz vmlinux).
[[nodiscard]] Result<VmlinuxExports> kernel_image_exports(const std::string& path,
                                                          int kernel_version = 0);

}  // namespace ofsck::read
