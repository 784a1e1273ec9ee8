#pragma once
/// Export table decoding for every era of kernel-semantics.md §4.2 (E0 absolute entries …
/// E7 __kflagstab), via the relocation sections (recipe B of §4.3).
#include <string>
#include <string_view>
#include <vector>

#include "model/module.hpp"
#include "read/elf/elf_file.hpp"
#include "util/result.hpp"

namespace ofsck::read::elf {

/// What decode_exports() found.
struct ExportTable {
  std::vector<model::Export> exports;  ///< __ksymtab order, then _gpl, _gpl_future, _unused, _unused_gpl
  bool has_kcrctab = false;            ///< any __kcrctab* section present
  std::string era;                     ///< readable description of the layout that was decoded
};

/// Names of the export sections, in output order.
inline constexpr std::string_view kKsymtabSections[] = {
    "__ksymtab", "__ksymtab_gpl", "__ksymtab_gpl_future", "__ksymtab_unused",
    "__ksymtab_unused_gpl"};

/// The u32 CRC twin name of a ksymtab section ("__ksymtab_gpl" → "__kcrctab_gpl").
std::string kcrctab_name(std::string_view ksymtab);

/// Decodes exports. `syms` is the decoded .symtab; `kernel_version` is major*100+minor from
/// vermagic (0 = unknown), used only to break ties between layouts that fit equally well.
[[nodiscard]] Result<ExportTable> decode_exports(ElfFile& f, const std::vector<Symbol>& syms,
                                                 int kernel_version);

}  // namespace ofsck::read::elf
