#pragma once
/// Facts about the target kernel that decide module loads. Plain data, filled by check/kernel_facts.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/result.hpp"

namespace ofsck::model {

/// An X.509 certificate the kernel trusts (built into the image, or given with --trust).
struct TrustedCert {
  std::vector<uint8_t> der;         ///< whole certificate
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

struct KernelFacts {
  std::string release;                  ///< e.g. 6.1.0-47-amd64
  int major = 0, minor = 0;             ///< from release
  std::string vermagic;                 ///< VERMAGIC_STRING, e.g. "6.1.0-47-amd64 SMP preempt mod_unload modversions "
  std::string vermagic_source;          ///< which file it was taken from
  bool have_exports = false;            ///< vmlinux export list known
  bool exports_have_crcs = false;       ///< ... with CRCs (Module.symvers, not System.map)
  std::string exports_source;           ///< path of the symvers/System.map used
  std::unordered_map<std::string, KernelExport> vmlinux;  ///< vmlinux exports by name
  // Kernel configuration (boot/config-<kver>; defaults are Debian's).
  bool modversions = true;              ///< CONFIG_MODVERSIONS
  bool force_load = true;               ///< CONFIG_MODULE_FORCE_LOAD
  bool module_sig = true;               ///< CONFIG_MODULE_SIG
  bool sig_force = false;               ///< CONFIG_MODULE_SIG_FORCE
  bool allow_missing_ns = false;        ///< CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS
  bool retpoline = false;               ///< CONFIG_MITIGATION_RETPOLINE / CONFIG_RETPOLINE
  std::string config_source;            ///< boot/config-<kver> path if read
  // Boot-time state (command line).
  bool sig_enforce = false;             ///< module.sig_enforce=1 (or sig_force)
  std::string lockdown;                 ///< "", "integrity", "confidentiality"
  std::vector<std::string> module_blacklist;
  // Trust.
  std::vector<TrustedCert> trusted;     ///< certificates with public keys (content verifiable)
  std::vector<AssumedKey> assumed;      ///< issuer+serial trusted without a certificate
  bool trust_known = false;             ///< false: no image and no --trust: keys unknown
  bool image_read = false;              ///< the image's certificates were read (some file is signed)
};

}  // namespace ofsck::model
