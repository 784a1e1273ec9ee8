// The kernel's facts that prepare() decides from what it read: its .config switches, and
// where that is missing, the evidence of its own (in-tree) modules and export list.
#include "check/kernel_facts.hpp"

#include <fstream>

#include <fmt/format.h>

#include "check/rules.hpp"

namespace ofsck::check {

namespace {

/// Without a .config, CONFIG_MODVERSIONS is decided from the kernel's own build products, in
/// order of directness: the vermagic of its in-tree modules (VERMAGIC_STRING carries
/// "modversions " exactly when it is set), the CRCs of Module.symvers (modpost writes 0x00000000
/// for every export without it), then __versions in its in-tree modules.
void decide_modversions(const Node& p, std::optional<bool> symvers_all_zero,
                        model::KernelFacts& k) {
  if (!k.config_source.empty()) return;
  if (!k.vermagic.empty()) {
    const bool has = (" " + k.vermagic + " ").find(" modversions ") != std::string::npos;
    k.modversions = has;
    k.modversions_source = {k.vermagic_source, has ? "its vermagic says \"modversions\""
                                                   : "its vermagic lacks \"modversions\""};
    return;
  }
  if (symvers_all_zero) {
    k.modversions = !*symvers_all_zero;
    k.modversions_source = {k.exports_source, *symvers_all_zero ? "every vmlinux CRC is 0x00000000"
                                                                : "vmlinux exports carry CRCs"};
    return;
  }
  for (const auto& m : p.resolution.modules) {
    if (!m.module || !m.module->info.intree) continue;
    k.modversions = m.module->has_versions;
    k.modversions_source = {p.resolution.files[m.file].path,
                            m.module->has_versions ? "this in-tree module has __versions"
                                                   : "this in-tree module has no __versions"};
    return;
  }
  k.modversions_source = {"", "nothing tells: CONFIG_MODVERSIONS assumed set (Debian's default "
                              "before 7.x)"};
}

/// The ELF kind elf_check_arch() accepts: that of the kernel's own (in-tree) modules. 6.16+
/// kernels also admit "module:" namespaces (verify_module_namespace()).
void decide_elf_and_namespaces(const Node& p, model::KernelFacts& k) {
  for (const auto& m : p.resolution.modules) {
    if (!m.module || !m.module->info.intree || m.module->machine == 0) continue;
    k.elf.machine = m.module->machine;
    k.elf.elf_class = m.module->elf_class;
    k.elf.big_endian = m.module->big_endian;
    k.elf.source = {p.resolution.files[m.file].path, "e_machine of an in-tree module"};
    break;
  }
  k.namespaces.module_namespaces = k.major > 6 || (k.major == 6 && k.minor >= 16);
  k.namespaces.source = {
      "", fmt::format("kernel release {}.{}: \"module:\" namespaces {}", k.major, k.minor,
                      k.namespaces.module_namespaces ? "exist (6.16+)" : "do not exist (< 6.16)")};
  if (!k.config_source.empty())
    k.namespaces.source.path = k.config_source;  // CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS
}

}  // namespace

Finding input_finding(std::string_view rule, std::string subject, SourceRef where,
                      std::string message, std::string hint) {
  Finding f = make_finding(rule, std::move(subject), std::move(message));
  if (!where.path.empty()) f.where.push_back(std::move(where));
  f.hint = std::move(hint);
  return f;
}

void read_kernel_config(const Node& p, model::KernelFacts& k) {
  const std::string headers = p.root + "/usr/src/linux-headers-" + k.release + "/.config";
  for (const std::string& path : {p.root + "/boot/config-" + k.release, p.module_dir + "/config",
                                  headers, p.module_dir + "/build/.config"}) {
    std::ifstream in(path);
    if (!in) continue;
    k.config_source = path;
    k.force_load = k.sig_force = k.namespaces.allow_missing = false;
    k.modversions = k.module_sig = false;
    // An option that is off reads "# CONFIG_X is not set" (or is absent).
    k.modversions_source = {path, "CONFIG_MODVERSIONS is not set"};
    std::string line, format;
    bool decompress = false;
    while (std::getline(in, line)) {
      auto on = [&](std::string_view opt) {
        return line.size() == opt.size() + 2 && line.compare(0, opt.size(), opt) == 0 &&
               line.compare(opt.size(), 2, "=y") == 0;
      };
      if (on("CONFIG_MODULE_FORCE_LOAD")) k.force_load = true;
      if (on("CONFIG_MODULE_SIG_FORCE")) k.sig_force = true;
      if (on("CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS")) k.namespaces.allow_missing = true;
      if (on("CONFIG_MODVERSIONS")) {
        k.modversions = true;
        k.modversions_source.evidence = "CONFIG_MODVERSIONS=y";
      }
      if (on("CONFIG_MODULE_SIG")) k.module_sig = true;
      if (on("CONFIG_RETPOLINE") || on("CONFIG_MITIGATION_RETPOLINE")) k.retpoline = true;
      if (on("CONFIG_MODULE_DECOMPRESS")) decompress = true;
      for (const char* f : {"GZIP", "XZ", "ZSTD"})
        if (on(std::string("CONFIG_MODULE_COMPRESS_") + f)) format = f;
    }
    if (decompress && !format.empty()) {
      for (char& c : format) c = static_cast<char>(c - 'A' + 'a');
      k.module_decompress = format;
    }
    return;
  }
}

void derive_kernel_facts(std::optional<bool> symvers_all_zero, Node& p) {
  model::KernelFacts& k = p.kernel;
  for (const auto& m : p.resolution.modules) {
    if (!m.module || !m.module->info.intree || m.module->info.vermagic.empty()) continue;
    if (k.vermagic.empty()) {
      k.vermagic = m.module->info.vermagic;
      k.vermagic_source = p.resolution.files[m.file].path;
    }
    const auto& s = m.module->sig;
    if (k.trusted.empty() && s.kind == model::SigKind::kPkcs7 && s.problem.empty() &&
        k.assumed.empty()) {
      k.assumed.push_back({s.signer, s.key_id, s.issuer_der, s.serial});
      k.trust_known = true;
    }
    if (!k.vermagic.empty() && (!k.trusted.empty() || !k.assumed.empty())) break;
  }
  decide_modversions(p, symvers_all_zero, k);
  decide_elf_and_namespaces(p, k);
  if (!k.modversions)
    p.input_findings.push_back(input_finding(
        kKernelFacts, k.release, {k.modversions_source.path},
        fmt::format("{} is built without CONFIG_MODVERSIONS ({}): no symbol CRC is checked and "
                    "vermagic, compared in full, is the only ABI check",
                    k.release, k.modversions_source.evidence)));
  if (!k.trust_known)
    p.input_findings.push_back(input_finding(
        kTrustUnknown, k.release, {},
        "the kernel's trusted keys are unknown (no kernel image, no --trust, no signed in-tree "
        "module): signatures were not judged",
        "pass the kernel image's directory with --root or certificates with --trust"));
}

}  // namespace ofsck::check
