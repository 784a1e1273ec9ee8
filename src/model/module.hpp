#pragma once
/// What ofsck read from one module file: plain data, no behaviour.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace ofsck::model {

enum class Compression { kNone, kXz, kZstd, kGzip };

/// One imported symbol: an SHN_UNDEF .symtab symbol (sparc STT_REGISTER pseudo-symbols are
/// skipped, as kmod and the kernel do), or a version entry with no such symbol (module_layout).
/// Leading '.' (PPC64 ELFv1) already stripped.
struct Import {
  std::string name;
  /// The expected CRC a 6.14+ kernel's check_version() compares: the __version_ext_* entry when
  /// ModuleFile::has_ext_versions, else the __versions entry (kept even when __versions lacks
  /// SHF_ALLOC; see ModuleFile::versions_alloc). none = no entry.
  std::optional<uint32_t> crc;
  /// The __versions entry alone: what kmod reads (depmod -E, modprobe --dump-modversions; kmod
  /// never reads the ext tables) and what a kernel before 6.14 checks. Equals `crc` unless the
  /// module has extended version tables.
  std::optional<uint32_t> versions_crc;
  bool weak = false;      ///< STB_WEAK binding
  bool in_symtab = true;  ///< false for version-table-only entries such as module_layout
};

/// The export table an entry was read from (kernel-semantics.md §4.2).
enum class KsymtabSection : uint8_t { kKsymtab, kGpl, kGplFuture, kUnused, kUnusedGpl };

/// One exported symbol from __ksymtab / __ksymtab_gpl (or __kflagstab), all eras.
struct Export {
  std::string name;
  /// GPL-only as the module's own layout says: `__kflagstab[i] & KSYM_FLAG_GPL_ONLY` for
  /// __ksymtab entries when the module has __kflagstab (7.x), else the section (_gpl, _unused_gpl).
  bool gpl_only = false;
  /// Where the entry sits. A kernel with __kflagstab support (7.x) reads only __ksymtab and
  /// ignores __ksymtab_gpl ("ignoring obsolete section"); older kernels read every table.
  KsymtabSection section = KsymtabSection::kKsymtab;
  std::string ns;               ///< namespace; empty = none
  std::optional<uint32_t> crc;  ///< none = exporter built without modversions
};

enum class SigKind { kNone, kPkcs7, kX509Legacy, kPgp, kUnknown };

/// The appended module signature (struct module_signature + "~Module signature appended~\n").
struct Signature {
  SigKind kind = SigKind::kNone;
  uint8_t id_type = 0, algo = 0, hash = 0, signer_len = 0, key_id_len = 0;
  uint32_t sig_len = 0;
  uint64_t signed_len = 0;              ///< length of the signed content (ELF image) in bytes
  std::string signer;                   ///< PKCS#7: issuer CN (kmod's rule); legacy: signer name
  std::string key_id;                   ///< PKCS#7: issuer serial as AA:BB:..; legacy: SKID hex
  std::vector<uint8_t> issuer_der;      ///< PKCS#7 issuer Name, DER (for matching certificates)
  std::vector<uint8_t> serial;          ///< PKCS#7 serial, big-endian bytes without leading zeros
  std::string hash_algo;                ///< OpenSSL short name, e.g. "sha256"
  std::string pkey_algo;                ///< e.g. "rsaEncryption", "id-ecPublicKey"
  std::vector<uint8_t> signature;       ///< encryptedDigest
  std::vector<uint8_t> content_digest;  ///< digest (hash_algo) of the signed content, if computed
  std::string problem;  ///< non-empty when the trailer/PKCS#7 is malformed: the kernel's
                        ///< -EBADMSG/-ENOPKG case
};

/// Fields of .modinfo ("key=value\0" records), in file order for multi-valued keys.
struct ModInfo {
  std::string name;      ///< name= (may be empty on old kernels)
  std::string vermagic;  ///< vermagic=
  std::string license;   ///< license= (first one)
  std::string srcversion;
  bool intree = false;               ///< intree=Y
  bool retpoline = false;            ///< retpoline=Y
  bool staging = false;              ///< staging=Y
  bool livepatch = false;            ///< livepatch=Y
  std::vector<std::string> depends;  ///< split on ','
  std::vector<std::string> import_ns;
  std::vector<std::string> softdep;  ///< raw values, e.g. "pre: crc32c"
  std::vector<std::string> weakdep;
  std::vector<std::string> firmware;
  std::vector<std::string> alias;     ///< only when read with ReadOptions::modinfo_text
  std::vector<std::string> parm;      ///< raw "name:description"
  std::vector<std::string> parmtype;  ///< raw "name:type" (e.g. "debug:int", "irq:array of int")
  std::vector<std::pair<std::string, std::string>> all;  ///< every record, in order (modinfo_text)
};

/// One array parameter (module_param_array()) and its element count limit, from __param.
struct ParamArray {
  std::string name;  ///< the parameter name as __param spells it
  uint32_t max = 0;  ///< struct kparam_array::max: param_array() takes at most this many values
};

/// Everything ofsck needs from one module file. Produced by read::read_module().
struct ModuleFile {
  std::string path;  ///< path as opened (absolute, on the inspected root)
  Compression compression = Compression::kNone;
  uint64_t file_size = 0;  ///< on-disk size
  uint64_t elf_size = 0;   ///< size of the (decompressed) ELF image incl. signature
  uint8_t elf_class = 0;   ///< 1 = ELF32, 2 = ELF64
  bool big_endian = false;
  uint16_t machine = 0;  ///< e_machine
  uint16_t e_type = 0;
  uint64_t this_module_size = 0;  ///< size of .gnu.linkonce.this_module (0 = absent)
  uint32_t modinfo_sections = 0, this_module_sections = 0, symtab_sections = 0;

  ModInfo info;
  bool has_versions = false;  ///< __versions present (modversions build), allocated or not
  /// __versions carries SHF_ALLOC. The kernel's find_sec() sees only allocated sections, so a
  /// non-allocated __versions (objcopy --set-section-flags, kmod --force-modversion) is absent
  /// for the kernel even though modinfo/depmod read it.
  bool versions_alloc = true;
  /// __version_ext_crcs and __version_ext_names both present with SHF_ALLOC (6.14+): a 6.14+
  /// kernel then checks only them (check_version(): "If we have extended version info, rely on
  /// it"); Import::crc holds their entries.
  bool has_ext_versions = false;
  /// The kernel's own message when elf_validity_cache_index_versions() rejects the ext tables
  /// (-ENOEXEC on 6.14+): "extended version crc+name presence does not match" (only one of
  /// them is allocated) or "more extended version crcs than names". Empty when they pass.
  std::string ext_versions_problem;
  std::vector<Import> imports;  ///< symtab order, then version-table-only entries
  bool has_kcrctab = false;     ///< __kcrctab / __kcrctab_gpl present
  /// __kflagstab present (7.x): GPL-only flags of __ksymtab. A 7.x kernel refuses a module that
  /// exports through __ksymtab without it ("no flags for exported symbols", -ENOEXEC).
  bool has_kflagstab = false;
  std::vector<Export> exports;  ///< ksymtab order (plain, then gpl)
  /// How exports were decoded: era (kernel-semantics.md §4.2), entry layout and CRC form, e.g.
  /// "E4–E6 (5.19+): PREL32 12-byte __ksymtab entries, literal __kcrctab CRCs" or
  /// "E7 (7.x: single __ksymtab + __kflagstab): …, no modversions" (read/elf/exports.hpp).
  std::string export_era;
  /// Array parameters whose maximum was read from __param (read/elf/params.hpp). An array
  /// parameter missing here has an unknown maximum: say so, never guess.
  std::vector<ParamArray> param_arrays;
  /// __param was decoded (x86_64/arm64 RELA layout, or no __param at all); false: no maximum
  /// of this module is known.
  bool param_arrays_read = false;
  Signature sig;
  std::array<uint8_t, 32> content_sha256{};  ///< sha256 of the decompressed file (if computed)
  bool has_content_sha256 = false;
};

/// Name normalisation of kmod's modname_normalize(): up to the first '.', '-' → '_'.
std::string module_name_from_filename(std::string_view basename);

/// kmod underscores(): '-' → '_' except inside [...] (for names in configs).
std::string normalize_name(std::string_view name);

}  // namespace ofsck::model
