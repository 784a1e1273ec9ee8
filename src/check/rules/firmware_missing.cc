// OFS217 firmware-missing: a module that will be loaded names firmware= files that
// request_firmware() will not find under <root>/lib/firmware. The kernel then logs
// "Direct firmware load for <name> failed with error -2" when the driver asks for it (at probe,
// so only on hardware that is present).
#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

void add_firmware_findings(const Node& p, const std::vector<size_t>& modules, bool all,
                           DiagnosticSink& sink) {
  const auto& res = p.resolution;
  const std::string root = p.root;
  size_t intree_modules = 0, intree_files = 0;
  for (size_t i : modules) {
    const auto& m = res.modules[i];
    if (!m.module || i >= p.missing_firmware.size()) continue;
    const std::vector<std::string>& missing = p.missing_firmware[i];  // prepare() looked
    if (missing.empty()) continue;
    // The whole-tree check of a distribution kernel names every in-tree driver's firmware; only
    // summarise those, and report out-of-tree modules (and everything under --only) one by one.
    if (all && m.module->info.intree) {
      ++intree_modules;
      intree_files += missing.size();
      continue;
    }
    std::string list;
    for (size_t k = 0; k < missing.size() && k < 6; ++k) list += (k ? ", " : "") + missing[k];
    if (missing.size() > 6) list += fmt::format(", … ({} more)", missing.size() - 6);
    Finding f = make_finding(kFirmwareMissing, m.name,
                             fmt::format("{} names firmware that is not under {}/lib/firmware: {}",
                                         m.name, root, list));
    f.where.push_back(SourceRef{res.files[m.file].path});
    f.set("module", m.name);
    for (const auto& fw : missing) f.set("firmware", fw);
    for (const auto& fw : missing)
      f.kernel_messages.push_back(
          fmt::format("Direct firmware load for {} failed with error -2", fw));
    if (f.kernel_messages.size() > 6) f.kernel_messages.resize(6);
    f.notes.push_back("searched lib/firmware/updates/<release>, lib/firmware/updates, "
                      "lib/firmware/<release>, lib/firmware, each plain, .xz and .zst");
    f.hint = "install the firmware package (Debian: firmware-*; RHEL: linux-firmware or the "
             "vendor's)";
    sink.add(std::move(f));
  }
  if (intree_modules > 0) {
    // OFS219, a note: the summary of in-tree drivers' firmware (OFS217 is a warning).
    Finding f = make_finding(kFirmwareMissingInTree, p.kernel.release, "");
    f.where.push_back(SourceRef{root + "/lib/firmware"});
    f.message = fmt::format("{} in-tree modules name {} firmware files that are not installed; "
                            "only drivers for hardware that is present need theirs (use --only "
                            "to check a driver stack)",
                            intree_modules, intree_files);
    sink.add(std::move(f));
  }
}

}  // namespace ofsck::check
