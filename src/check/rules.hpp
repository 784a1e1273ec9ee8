#pragma once
/// The rule catalogue: stable ids, default severities and one-line summaries (docs/rules.md is
/// generated from the same table by `ofsck rules`).
#include <string_view>
#include <vector>

#include "check/finding.hpp"

namespace ofsck::check {

struct RuleInfo {
  std::string_view id;
  std::string_view name;
  Severity severity;
  std::string_view summary;
};

// Selection (which file wins)
inline constexpr std::string_view kOverrideMatchesNoFile = "OFS101";
inline constexpr std::string_view kTieReaddirOrder = "OFS102";
inline constexpr std::string_view kStaleIndex = "OFS103";
inline constexpr std::string_view kIgnoredCompression = "OFS104";
inline constexpr std::string_view kConfigBadLine = "OFS105";
inline constexpr std::string_view kShadowedProvider = "OFS106";
inline constexpr std::string_view kOverrideKverMismatch = "OFS107";
inline constexpr std::string_view kScanProblem = "OFS108";
inline constexpr std::string_view kDependencyCycle = "OFS109";
inline constexpr std::string_view kUnownedModule = "OFS110";
inline constexpr std::string_view kSameModuleTwoPackages = "OFS111";
inline constexpr std::string_view kIndexMissing = "OFS112";
inline constexpr std::string_view kStockKernelQuirk = "OFS113";
// Load verdict
inline constexpr std::string_view kModuleLayout = "OFS201";
inline constexpr std::string_view kVermagic = "OFS202";
inline constexpr std::string_view kCrcMismatch = "OFS203";
inline constexpr std::string_view kUnknownSymbol = "OFS204";
inline constexpr std::string_view kGplOnly = "OFS205";
inline constexpr std::string_view kNamespace = "OFS206";
inline constexpr std::string_view kDuplicateExport = "OFS207";
inline constexpr std::string_view kDependencyFailed = "OFS208";
inline constexpr std::string_view kSignatureRejected = "OFS209";
inline constexpr std::string_view kSignatureInvalid = "OFS210";
inline constexpr std::string_view kUnsignedTaint = "OFS211";
inline constexpr std::string_view kBlacklisted = "OFS212";
inline constexpr std::string_view kNoSymbolVersion = "OFS213";
inline constexpr std::string_view kExportVersions = "OFS214";
inline constexpr std::string_view kProprietaryTaint = "OFS215";
inline constexpr std::string_view kUnknownParameter = "OFS216";
inline constexpr std::string_view kFirmwareMissing = "OFS217";
inline constexpr std::string_view kElfInvalid = "OFS218";
inline constexpr std::string_view kFirmwareMissingInTree = "OFS219";
// Inputs
inline constexpr std::string_view kNoKernelExports = "OFS301";
inline constexpr std::string_view kUnreadableModule = "OFS302";
inline constexpr std::string_view kTrustUnknown = "OFS303";
inline constexpr std::string_view kBadInput = "OFS304";
inline constexpr std::string_view kModuleNotFound = "OFS305";
inline constexpr std::string_view kKernelFacts = "OFS306";
inline constexpr std::string_view kBuiltinModule = "OFS307";
inline constexpr std::string_view kSignatureUnverifiable = "OFS308";
inline constexpr std::string_view kForeignExports = "OFS309";
// Initramfs images (`ofsck image`)
inline constexpr std::string_view kImageModuleMissing = "OFS401";
inline constexpr std::string_view kImageSoftdepMissing = "OFS402";
inline constexpr std::string_view kImageStaleModule = "OFS403";
inline constexpr std::string_view kImageFirmwareMissing = "OFS404";
inline constexpr std::string_view kImageNotOnDisk = "OFS405";
inline constexpr std::string_view kImagePostSoftdepMissing = "OFS406";
inline constexpr std::string_view kImageNeededFirmwareMissing = "OFS407";
// Kernel upgrades (`ofsck upgrade`)
inline constexpr std::string_view kUpgradeRebuild = "OFS501";
inline constexpr std::string_view kUpgradeLink = "OFS502";
inline constexpr std::string_view kUpgradeWeakShadowed = "OFS503";
inline constexpr std::string_view kUpgradeKabiRisk = "OFS504";
// Module options (modprobe.d `options`, the kernel command line) and modprobe.d commands
inline constexpr std::string_view kParamInvalidValue = "OFS601";
inline constexpr std::string_view kParamSetTwice = "OFS602";
inline constexpr std::string_view kInstallCommand = "OFS603";
inline constexpr std::string_view kBlacklistBypassed = "OFS604";

/// Every rule, ordered by id.
const std::vector<RuleInfo>& rule_catalogue();

/// The catalogue entry of `id`; ids are the constants above (an unknown id is a programming
/// error and yields an error-severity placeholder).
const RuleInfo& rule_info(std::string_view id);

/// The one way to make a finding: its severity is the rule's, from the catalogue.
Finding make_finding(std::string_view rule, std::string subject, std::string message);

}  // namespace ofsck::check
