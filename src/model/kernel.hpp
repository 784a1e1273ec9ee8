#pragma once
/// Facts about the target kernel that decide module loads. Plain data, filled by
/// check/kernel_facts.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/result.hpp"

namespace ofsck::model {

/// An X.509 certificate the kernel trusts (built into the image, or given with --trust).
struct TrustedCert {
  std::vector<uint8_t> der;  ///< whole certificate
  std::string subject_cn, issuer_cn;
  std::vector<uint8_t> issuer_der;  ///< issuer Name, DER
  std::vector<uint8_t> serial;      ///< big-endian, no leading zeros
  std::vector<uint8_t> skid;        ///< subjectKeyIdentifier
  std::string source;               ///< where it came from (vmlinuz path, --trust file)
};

/// A key the kernel is assumed to trust by issuer+serial only (fallback when the image is not
/// available: the key that signed the kernel's own in-tree modules).
struct AssumedKey {
  std::string signer, key_id;
  std::vector<uint8_t> issuer_der, serial;
};

struct KernelExport {
  std::optional<uint32_t> crc;
  bool gpl_only = false;
  std::string ns;
};

/// Where a kernel fact came from: the file that decided it and the evidence read there, e.g.
/// {"/usr/src/linux-headers-7.2.13+deb14-amd64/.config", "# CONFIG_MODVERSIONS is not set"}.
/// Empty `path` and `evidence`: the default (Debian's) was assumed.
struct FactSource {
  std::string path;
  std::string evidence;
};

/// The ELF kind the kernel accepts (elf_check_arch(), its own byte order and class).
struct KernelElf {
  uint16_t machine = 0;   ///< e_machine; 0 = unknown (no in-tree module read)
  uint8_t elf_class = 0;  ///< 1 = ELF32, 2 = ELF64
  bool big_endian = false;
  FactSource source;  ///< the in-tree module it was taken from
};

/// Symbol namespace rules of this kernel (kernel/module/main.c verify_namespace_is_imported()).
struct NamespaceRules {
  /// "module:<patterns>" namespaces (EXPORT_SYMBOL_FOR_MODULES) admit matching modules without
  /// an import, and an explicit import of one is refused (6.16+).
  bool module_namespaces = false;
  bool allow_missing = false;  ///< CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS
  FactSource source;
};

/// Facts about the target kernel that decide loads, read once in check's prepare(); every fact
/// records where it came from.
struct KernelFacts {
  std::string release;       ///< e.g. 6.1.0-47-amd64
  int major = 0, minor = 0;  ///< from release
  std::string
      vermagic;  ///< VERMAGIC_STRING, e.g. "6.1.0-47-amd64 SMP preempt mod_unload modversions "
  std::string vermagic_source;     ///< which file it was taken from
  bool have_exports = false;       ///< vmlinux export list known
  bool exports_have_crcs = false;  ///< ... with CRCs (Module.symvers, not System.map)
  std::string exports_source;      ///< path of the symvers/System.map/kernel image used
  /// What exports_source is: "Module.symvers", "System.map", or "kernel image (<layout>)"
  /// (vmlinux's export tables read from the image; read/vmlinux_exports.hpp).
  std::string exports_kind;
  std::unordered_map<std::string, KernelExport> vmlinux;  ///< vmlinux exports by name
  // Kernel configuration (boot/config-<kver>; defaults are Debian's).
  /// CONFIG_MODULE_DECOMPRESS=y: the one format kernel/module/decompress.c decodes ("xz",
  /// "zstd", "gzip": CONFIG_MODULE_COMPRESS_*); empty = the kernel decompresses nothing.
  std::string module_decompress;
  bool modversions = true;        ///< CONFIG_MODVERSIONS
  FactSource modversions_source;  ///< the evidence that decided `modversions`
  bool force_load = true;         ///< CONFIG_MODULE_FORCE_LOAD
  bool module_sig = true;         ///< CONFIG_MODULE_SIG
  bool sig_force = false;         ///< CONFIG_MODULE_SIG_FORCE
  bool retpoline = false;         ///< CONFIG_MITIGATION_RETPOLINE / CONFIG_RETPOLINE
  std::string config_source;      ///< kernel .config read (boot/config-<kver>, ...), if any
  NamespaceRules namespaces;
  KernelElf elf;
  /// Signature algorithms the kernel accepts (filled by the image reader when it knows them).
  std::vector<std::string> signature_algorithms;
  FactSource signature_algorithms_source;
  std::string image_path;    ///< kernel image the trusted keys were read from
  FactSource image_source;   ///< how it was located
  std::string kmod_version;  ///< the root's kmod (e.g. "34"); empty = unknown
  FactSource kmod_source;
  // Boot-time state (command line).
  bool sig_enforce = false;  ///< module.sig_enforce=1 (or sig_force)
  std::string lockdown;      ///< "", "integrity", "confidentiality"
  std::vector<std::string> module_blacklist;
  // Trust.
  std::vector<TrustedCert> trusted;  ///< certificates with public keys (content verifiable)
  std::vector<AssumedKey> assumed;   ///< issuer+serial trusted without a certificate
  bool trust_known = false;          ///< false: no image and no --trust: keys unknown
  bool image_read = false;           ///< the image's certificates were read (some file is signed)
};

}  // namespace ofsck::model
