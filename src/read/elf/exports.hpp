#pragma once
/// Export table decoding for every era of kernel-semantics.md §4.2, via the relocation
/// sections (recipe B of §4.3):
/// - E0 (≤4.9): absolute {value, name} entries, ulong __kcrctab → ABS __crc_ symbols;
/// - E1 (4.10–4.18): the same with u32 __kcrctab;
/// - E2 (4.19–5.3): 8-byte PREL32 entries on PREL32 arches;
/// - E3 (5.4–5.18): a third field, the namespace string; CRCs via ABS __crc_ symbols;
/// - E4–E6 (5.19+): literal CRCs in __kcrctab (E5 6.5+ and E6 6.14+ build the tables in
///   modpost / gendwarfksyms but the .ko looks the same);
/// - E7 (7.x; the kflagstab series, v4 of March 2026, so 7.1 at the earliest — exact tag
///   unverified; Debian's 7.2 headers have it): one __ksymtab for every export, the GPL-only
///   flag in __kflagstab (1 byte per entry, bit 0 KSYM_FLAG_GPL_ONLY; include/linux/
///   module_symbol.h), namespaces may be "module:<globs>" (EXPORT_SYMBOL_FOR_MODULES, 6.16+),
///   no __ksymtab_gpl/__kcrctab_gpl. Debian builds 7.x without MODVERSIONS: no __kcrctab,
///   so every Export::crc is empty.
/// A module built without MODVERSIONS (any era) has no __kcrctab and no __crc_ symbols; its
/// exports then carry no CRC and the era says "no modversions".
#include <string>
#include <string_view>
#include <vector>

#include "model/module.hpp"
#include "read/elf/elf_file.hpp"
#include "util/result.hpp"

namespace ofsck::read::elf {

/// What decode_exports() found.
struct ExportTable {
  std::vector<model::Export>
      exports;                 ///< __ksymtab order, then _gpl, _gpl_future, _unused, _unused_gpl
  bool has_kcrctab = false;    ///< any __kcrctab* section present
  bool has_kflagstab = false;  ///< __kflagstab present (7.x GPL-only flags)
  std::string era;             ///< readable description of the layout that was decoded
};

/// Names of the export sections, in output order.
inline constexpr std::string_view kKsymtabSections[] = {"__ksymtab", "__ksymtab_gpl",
                                                        "__ksymtab_gpl_future", "__ksymtab_unused",
                                                        "__ksymtab_unused_gpl"};

/// The u32 CRC twin name of a ksymtab section ("__ksymtab_gpl" → "__kcrctab_gpl").
std::string kcrctab_name(std::string_view ksymtab);

/// Decodes exports. `syms` is the decoded .symtab; `kernel_version` is major*100+minor from
/// vermagic (0 = unknown), used only to break ties between layouts that fit equally well.
[[nodiscard]] Result<ExportTable> decode_exports(ElfFile& f, const std::vector<Symbol>& syms,
                                                 int kernel_version);

}  // namespace ofsck::read::elf
