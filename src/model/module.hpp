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

/// One imported symbol: an SHN_UNDEF .symtab symbol, or a __versions entry with no such symbol
/// (module_layout). Leading '.' (PPC64 ELFv1) already stripped.
struct Import {
  std::string name;
  std::optional<uint32_t> crc;  ///< expected CRC from __versions (or the ext tables); none = no entry
  bool weak = false;            ///< STB_WEAK binding
  bool in_symtab = true;        ///< false for __versions-only entries such as module_layout
};

/// One exported symbol from __ksymtab / __ksymtab_gpl (or __kflagstab), all eras.
struct Export {
  std::string name;
  bool gpl_only = false;
  std::string ns;               ///< namespace; empty = none
  std::optional<uint32_t> crc;  ///< none = exporter built without modversions
};

enum class SigKind { kNone, kPkcs7, kX509Legacy, kPgp, kUnknown };

/// The appended module signature (struct module_signature + "~Module signature appended~\n").
struct Signature {
  SigKind kind = SigKind::kNone;
  uint8_t id_type = 0, algo = 0, hash = 0, signer_len = 0, key_id_len = 0;
  uint32_t sig_len = 0;
  uint64_t signed_len = 0;         ///< length of the signed content (ELF image) in bytes
  std::string signer;              ///< PKCS#7: issuer CN (kmod's rule); legacy: signer name
  std::string key_id;              ///< PKCS#7: issuer serial as AA:BB:..; legacy: SKID hex
  std::vector<uint8_t> issuer_der; ///< PKCS#7 issuer Name, DER (for matching certificates)
  std::vector<uint8_t> serial;     ///< PKCS#7 serial, big-endian bytes without leading zeros
  std::string hash_algo;           ///< OpenSSL short name, e.g. "sha256"
  std::string pkey_algo;           ///< e.g. "rsaEncryption", "id-ecPublicKey"
  std::vector<uint8_t> signature;  ///< encryptedDigest
  std::vector<uint8_t> content_digest;  ///< digest (hash_algo) of the signed content, if computed
  std::string problem;  ///< non-empty when the trailer/PKCS#7 is malformed: the kernel's -EBADMSG/-ENOPKG case
};

/// Fields of .modinfo ("key=value\0" records), in file order for multi-valued keys.
struct ModInfo {
  std::string name;        ///< name= (may be empty on old kernels)
  std::string vermagic;    ///< vermagic=
  std::string license;     ///< license= (first one)
  std::string srcversion;
  bool intree = false;     ///< intree=Y
  bool retpoline = false;  ///< retpoline=Y
  bool staging = false;    ///< staging=Y
  bool livepatch = false;  ///< livepatch=Y
  std::vector<std::string> depends;   ///< split on ','
  std::vector<std::string> import_ns;
  std::vector<std::string> softdep;   ///< raw values, e.g. "pre: crc32c"
  std::vector<std::string> weakdep;
  std::vector<std::string> firmware;
  std::vector<std::string> alias;     ///< only when read with ReadOptions::modinfo_text
  std::vector<std::string> parm;      ///< raw "name:description"
  std::vector<std::pair<std::string, std::string>> all;  ///< every record, in order (modinfo_text)
};

/// Everything ofsck needs from one module file. Produced by read::read_module().
struct ModuleFile {
  std::string path;      ///< path as opened (absolute, on the inspected root)
  Compression compression = Compression::kNone;
  uint64_t file_size = 0;    ///< on-disk size
  uint64_t elf_size = 0;     ///< size of the (decompressed) ELF image incl. signature
  uint8_t elf_class = 0;     ///< 1 = ELF32, 2 = ELF64
  bool big_endian = false;
  uint16_t machine = 0;      ///< e_machine
  uint16_t e_type = 0;
  uint64_t this_module_size = 0;  ///< size of .gnu.linkonce.this_module (0 = absent)
  uint32_t modinfo_sections = 0, this_module_sections = 0, symtab_sections = 0;

  ModInfo info;
  bool has_versions = false;      ///< __versions present (modversions build)
  /// __versions carries SHF_ALLOC. The kernel's find_sec() sees only allocated sections, so a
  /// non-allocated __versions (objcopy --set-section-flags, kmod --force-modversion) is absent
  /// for the kernel even though modinfo/depmod read it.
  bool versions_alloc = true;
  bool has_ext_versions = false;  ///< __version_ext_crcs + __version_ext_names present (6.14+)
  std::string ext_versions_problem;  ///< one ext section without the other, or count mismatch
  std::vector<Import> imports;       ///< symtab order, then __versions-only entries
  bool has_kcrctab = false;          ///< __kcrctab / __kcrctab_gpl present
  std::vector<Export> exports;       ///< ksymtab order (plain, then gpl)
  std::string export_era;            ///< how exports were decoded, e.g. "E4 (5.19+ literal __kcrctab)"
  Signature sig;
  std::array<uint8_t, 32> content_sha256{};  ///< sha256 of the decompressed file (if computed)
  bool has_content_sha256 = false;
};

/// Name normalisation of kmod's modname_normalize(): up to the first '.', '-' → '_'.
std::string module_name_from_filename(std::string_view basename);

/// kmod underscores(): '-' → '_' except inside [...] (for names in configs).
std::string normalize_name(std::string_view name);

}  // namespace ofsck::model
