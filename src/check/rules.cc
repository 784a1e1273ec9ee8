#include "check/rules.hpp"

namespace ofsck::check {

// The rule table, one entry per rule id, reads best whole:
// NOLINTNEXTLINE(readability-function-size)
const std::vector<RuleInfo>& rule_catalogue() {
  static const std::vector<RuleInfo> kRules = {
      {kOverrideMatchesNoFile, "override-matches-no-file", Severity::kWarning,
       "a depmod.d override names a directory holding no such module (depmod ignores it silently)"},
      {kTieReaddirOrder, "readdir-order-tie", Severity::kWarning,
       "two files of one module have equal priority: directory read order picks the winner"},
      {kStaleIndex, "stale-index", Severity::kError,
       "modules.dep.bin (what modprobe reads) differs from what depmod would write now"},
      {kIgnoredCompression, "ignored-compression", Severity::kWarning,
       "a .ko.gz is invisible because this kmod was built without zlib"},
      {kConfigBadLine, "config-bad-line", Severity::kWarning,
       "a depmod.d/modprobe.d line kmod ignores"},
      {kShadowedProvider, "shadowed-module", Severity::kNote,
       "another file of the same module name lost to the winner"},
      {kOverrideKverMismatch, "override-kver-mismatch", Severity::kNote,
       "an override/external line whose kernel pattern does not match this kernel"},
      {kScanProblem, "scan-problem", Severity::kWarning,
       "the module tree walk met an unreadable entry, symlink loop or missing external dir"},
      {kDependencyCycle, "dependency-cycle", Severity::kError,
       "modules depend on each other in a cycle; depmod writes no index"},
      {kUnownedModule, "unowned-module", Severity::kNote,
       "a winning module file is owned by no package (copied by hand): updates will not touch it"},
      {kSameModuleTwoPackages, "same-module-two-packages", Severity::kWarning,
       "two packages ship the same module name for one kernel; search order picks the winner"},
      {kIndexMissing, "index-missing", Severity::kWarning,
       "there is no modules.dep.bin: modprobe finds no module of this kernel until depmod runs"},
      {kStockKernelQuirk, "stock-kernel-quirk", Severity::kNote,
       "lines the kernel's own packaged modules put into generated files that kmod ignores "
       "(e.g. softdep= values without pre:/post:), folded into one note"},
      {kModuleLayout, "module-layout-mismatch", Severity::kError,
       "the module was built for another kernel ABI: module_layout CRC differs (ENOEXEC)"},
      {kVermagic, "vermagic-mismatch", Severity::kError,
       "version magic differs from the kernel's (ENOEXEC)"},
      {kCrcMismatch, "symbol-crc-mismatch", Severity::kError,
       "an imported symbol's CRC differs from the provider's (EINVAL)"},
      {kUnknownSymbol, "unknown-symbol", Severity::kError,
       "an imported symbol is exported by nothing in the load chain (ENOENT)"},
      {kGplOnly, "gpl-only-symbol", Severity::kError,
       "a non-GPL module imports a GPL-only symbol (ENOENT)"},
      {kNamespace, "namespace-not-imported", Severity::kError,
       "a symbol from a namespace the module does not import (EINVAL)"},
      {kDuplicateExport, "duplicate-export", Severity::kError,
       "the module exports a symbol the kernel or a loaded module already exports (ENOEXEC)"},
      {kDependencyFailed, "dependency-failed", Severity::kError,
       "modules that will not load because a hard dependency fails"},
      {kSignatureRejected, "signature-rejected", Severity::kError,
       "unsigned or unknown-key module under enforcement or lockdown"},
      {kSignatureInvalid, "signature-invalid", Severity::kError,
       "malformed signature, or a trusted key whose signature does not verify (always fatal)"},
      {kUnsignedTaint, "unsigned-module", Severity::kNote,
       "unsigned or unknown-key module loads but taints the kernel (E)"},
      {kBlacklisted, "blacklisted", Severity::kError, "module_blacklist= names the module (EPERM)"},
      {kNoSymbolVersion, "no-symbol-version", Severity::kWarning,
       "an import has no __versions entry: its CRC is not checked"},
      {kExportVersions, "no-export-versions", Severity::kWarning,
       "the module exports symbols without CRCs (force-load taint or ENOEXEC)"},
      {kProprietaryTaint, "proprietary-taint", Severity::kNote,
       "a non-GPL-compatible licence taints the kernel (P)"},
      {kUnknownParameter, "unknown-parameter", Severity::kWarning,
       "an options line names a parameter the module does not have (ignored by the kernel)"},
      {kFirmwareMissing, "firmware-missing", Severity::kWarning,
       "a module that will be loaded names firmware missing under /lib/firmware"},
      {kElfInvalid, "elf-invalid", Severity::kError,
       "the kernel's ELF checks reject the file before vermagic: another architecture, byte "
       "order or ELF class (ENOEXEC)"},
      {kFirmwareMissingInTree, "firmware-missing-in-tree", Severity::kNote,
       "in-tree modules name firmware that is not installed (summary; only present hardware "
       "needs it)"},
      {kNoKernelExports, "no-kernel-exports", Severity::kWarning,
       "no Module.symvers/symvers.gz: CRC checks against vmlinux are impossible"},
      {kUnreadableModule, "unreadable-module", Severity::kError,
       "a module file could not be read or parsed"},
      {kTrustUnknown, "trust-unknown", Severity::kNote,
       "the kernel's trusted keys are unknown; signatures were not judged"},
      {kBadInput, "bad-input", Severity::kWarning, "an input file could not be used"},
      {kModuleNotFound, "module-not-found", Severity::kError,
       "a module named on the command line is not in the tree"},
      {kKernelFacts, "kernel-facts", Severity::kNote,
       "a kernel fact that changes the checks (no modversions) and the evidence that decided it"},
      {kBuiltinModule, "builtin-module", Severity::kNote,
       "a module named on the command line is built into the kernel: modprobe inserts nothing"},
      {kSignatureUnverifiable, "signature-unverifiable", Severity::kWarning,
       "a trusted key signed the module with an algorithm this machine cannot verify (ML-DSA "
       "on OpenSSL 3.0): the verdict assumes the signature is genuine"},
      {kForeignExports, "foreign-exports", Severity::kWarning,
       "the kernel export list (Module.symvers) disagrees with the kernel's own in-tree modules "
       "or has no valid line: no verdict uses it"},
      {kImageModuleMissing, "image-module-missing", Severity::kError,
       "a module the boot needs, or one of its hard dependencies, is not in the initramfs"},
      {kImageSoftdepMissing, "image-softdep-missing", Severity::kError,
       "a softdep pre: module of a needed module is not in the initramfs (modprobe skips it)"},
      {kImageStaleModule, "image-stale-module", Severity::kError,
       "a module in the initramfs differs from the file that wins on disk for the same kernel"},
      {kImageFirmwareMissing, "image-firmware-missing", Severity::kWarning,
       "a firmware= file of a module in the initramfs is not in it"},
      {kImageNotOnDisk, "image-module-not-on-disk", Severity::kWarning,
       "a module in the initramfs has no file on disk for that kernel, or the disk was not read"},
      {kImagePostSoftdepMissing, "image-post-softdep-missing", Severity::kWarning,
       "a softdep post: module of a needed module is not in the initramfs (loaded later from "
       "disk, if at all)"},
      {kImageNeededFirmwareMissing, "image-needed-firmware-missing", Severity::kError,
       "a module the boot needs names firmware= files and none of them is in the initramfs: its "
       "driver cannot come up before the root is mounted"},
      {kUpgradeRebuild, "upgrade-needs-rebuild", Severity::kError,
       "a module not built with the kernel will not load on the target kernel, as is or linked "
       "into weak-updates/: it must be rebuilt against the target's headers"},
      {kUpgradeLink, "upgrade-needs-link", Severity::kWarning,
       "a module will not load on the target kernel as things stand, but would if linked into "
       "its weak-updates/"},
      {kUpgradeWeakShadowed, "upgrade-weak-shadowed", Severity::kWarning,
       "a weak-updates/ link would lose to the target kernel's module of the same name under "
       "the search order (needs a depmod.d override)"},
      {kUpgradeKabiRisk, "upgrade-kabi-risk", Severity::kNote,
       "a module imports symbols that are not on the kABI stablelist: a risk for the next update"},
      {kParamInvalidValue, "param-invalid-value", Severity::kError,
       "an option value does not parse as the parameter's declared type, or an array gets more "
       "values than its maximum (read from __param): parse_args() fails the load (EINVAL, "
       "ERANGE or ENOSPC)"},
      {kParamSetTwice, "param-set-twice", Severity::kWarning,
       "one parameter is set twice with different values: the last one (kernel order) wins"},
      {kInstallCommand, "install-command", Severity::kNote,
       "a modprobe.d `install` command runs instead of inserting the module: what it loads is "
       "not checked"},
      {kBlacklistBypassed, "blacklist-bypassed", Severity::kNote,
       "a blacklisted module is still loaded as a hard dependency or softdep of another module "
       "(blacklist applies only to alias lookups)"},
  };
  return kRules;
}

const RuleInfo& rule_info(std::string_view id) {
  for (const auto& r : rule_catalogue())
    if (r.id == id) return r;
  static const RuleInfo kUnknown{"OFS000", "unknown-rule", Severity::kError,
                                 "not in the catalogue"};
  return kUnknown;
}

Finding make_finding(std::string_view rule, std::string subject, std::string message) {
  Finding f;
  f.rule = std::string(rule);
  f.severity = rule_info(rule).severity;
  f.subject = std::move(subject);
  f.message = std::move(message);
  return f;
}

}  // namespace ofsck::check
