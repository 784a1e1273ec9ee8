// prepare(): gathers one node's inputs the way the boot will see them. Every path the target
// system names (configs, externals, /boot) is re-rooted under --root.
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "check/check_tree.hpp"
#include "check/rules.hpp"
#include "read/cache.hpp"
#include "read/kernel_image.hpp"
#include "read/kmod_version.hpp"
#include "read/parallel.hpp"
#include "read/text/depmod_conf.hpp"
#include "read/text/kcmdline.hpp"
#include "read/text/modprobe_conf.hpp"
#include "read/text/symvers.hpp"
#include "read/x509.hpp"
#include "util/timing.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

namespace {

bool is_dir(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}
bool is_file(const std::string& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

/// Kernel configuration switches that change load decisions, from the first .config found
/// where distributions keep it: /boot/config-KVER, the package layout's
/// <moddir>/KVER/config, then the headers' .config.
void read_kernel_config(const Prepared& p, model::KernelFacts& k) {
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
    std::string line;
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
    }
    return;
  }
}

/// Without a .config, CONFIG_MODVERSIONS is decided from the kernel's own build products, in
/// order of directness: the vermagic of its in-tree modules (VERMAGIC_STRING carries
/// "modversions " exactly when it is set), the CRCs of Module.symvers (modpost writes 0x00000000
/// for every export without it), then __versions in its in-tree modules.
void decide_modversions(const Prepared& p, std::optional<bool> symvers_all_zero,
                        model::KernelFacts& k) {
  if (!k.config_source.empty()) return;
  if (!k.vermagic.empty()) {
    const bool has = (" " + k.vermagic + " ").find(" modversions ") != std::string::npos;
    k.modversions = has;
    k.modversions_source = {k.vermagic_source,
                            has ? "its vermagic says \"modversions\""
                                : "its vermagic lacks \"modversions\""};
    return;
  }
  if (symvers_all_zero) {
    k.modversions = !*symvers_all_zero;
    k.modversions_source = {k.exports_source, *symvers_all_zero
                                                  ? "every vmlinux CRC is 0x00000000"
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
void decide_elf_and_namespaces(const Prepared& p, model::KernelFacts& k) {
  for (const auto& m : p.resolution.modules) {
    if (!m.module || !m.module->info.intree || m.module->machine == 0) continue;
    k.elf.machine = m.module->machine;
    k.elf.elf_class = m.module->elf_class;
    k.elf.big_endian = m.module->big_endian;
    k.elf.source = {p.resolution.files[m.file].path, "e_machine of an in-tree module"};
    break;
  }
  k.namespaces.module_namespaces = k.major > 6 || (k.major == 6 && k.minor >= 16);
  k.namespaces.source = {"", fmt::format("kernel release {}.{}: \"module:\" namespaces {}",
                                         k.major, k.minor,
                                         k.namespaces.module_namespaces ? "exist (6.16+)"
                                                                        : "do not exist (< 6.16)")};
  if (!k.config_source.empty())
    k.namespaces.source.path = k.config_source;  // CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS
}

void parse_release(model::KernelFacts& k) {
  std::sscanf(k.release.c_str(), "%d.%d", &k.major, &k.minor);
}

Finding input_finding(std::string_view rule, std::string subject, SourceRef where,
                      std::string message, std::string hint = {}) {
  Finding f = make_finding(rule, std::move(subject), std::move(message));
  if (!where.path.empty()) f.where.push_back(std::move(where));
  f.hint = std::move(hint);
  return f;
}

}  // namespace

Result<std::string> pick_kernel(const std::string& root, const std::string& wanted) {
  if (!wanted.empty()) return wanted;
  if (root.empty() || root == "/") {
    struct utsname u;
    if (uname(&u) == 0) return std::string(u.release);
  }
  std::vector<std::string> found;
  for (const char* moddir : {"/lib/modules", "/usr/lib/modules"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root + moddir, ec)) {
      if (!e.is_directory(ec)) continue;
      std::string n = e.path().filename();
      if (std::find(found.begin(), found.end(), n) == found.end()) found.push_back(n);
    }
  }
  std::sort(found.begin(), found.end());
  if (found.size() == 1) return found.front();
  if (found.empty())
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no kernel module tree under {}/lib/modules or "
                                  "{}/usr/lib/modules",
                                  root, root));
  std::string list;
  for (const auto& f : found) list += "\n  " + f;
  return make_error(ErrorCode::kUsage,
                    fmt::format("{} has several kernels; choose one with --kernel:{}", root, list));
}

Result<Prepared> prepare(const CheckOptions& o) {
  Prepared p;
  p.root = o.root == "/" ? "" : o.root;
  while (p.root.size() > 1 && p.root.back() == '/') p.root.pop_back();
  if (!p.root.empty() && !is_dir(p.root))
    return make_error(ErrorCode::kNotFound, "root directory does not exist", {p.root});
  auto kver = pick_kernel(p.root, o.kver);
  if (!kver) return tl::unexpected(kver.error());
  model::KernelFacts& k = p.kernel;
  k.release = *kver;
  parse_release(k);
  p.moddir = is_dir(p.root + "/lib/modules/" + k.release) ? "/lib/modules" : "/usr/lib/modules";
  p.module_dir = p.root + p.moddir + "/" + k.release;
  if (!is_dir(p.module_dir))
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no module tree for kernel {} (looked in {}/lib/modules and "
                                  "{}/usr/lib/modules)",
                                  k.release, p.root, p.root),
                      {p.module_dir});

  PhaseTimer timer;
  // Configuration.
  // The root's own kmod decides how its configuration is read (read/kmod_version).
  const model::KmodVersion kmod = read::detect_kmod_version(p.root);
  p.depmod_config = read::load_depmod_config({p.root, {}, k.release, kmod.major});
  p.depmod_config.kmod_version = kmod;
  p.modprobe_config = read::load_modprobe_config({p.root, {}, p.moddir + "/" + k.release, kmod});
  std::string cmdline;
  if (o.cmdline) {
    cmdline = *o.cmdline;
  } else if (p.root.empty()) {
    std::ifstream in("/proc/cmdline");
    std::getline(in, cmdline);
  }
  p.cmdline = read::parse_kernel_cmdline(cmdline);
  read_kernel_config(p, k);
  k.sig_enforce = p.cmdline.sig_enforce || k.sig_force;
  k.lockdown = p.cmdline.lockdown;
  k.module_blacklist = p.cmdline.module_blacklist;

  timer.lap("configuration");
  // Kernel exports: --symvers, --system-map, or where distributions keep them. Parsed on a
  // thread while the tree is scanned and read; joined when the symbol table is built.
  struct Exports {
    std::optional<model::Symvers> symvers;
    std::unordered_map<std::string, model::KernelExport> vmlinux;
    std::vector<Finding> findings;
    std::optional<Error> fatal;  // --symvers/--system-map given and unusable
    std::optional<bool> all_zero_crcs;  // every vmlinux CRC is 0 (no CONFIG_MODVERSIONS)
  };
  auto load_exports = [&o, &p, &k]() {
    Exports ex;
    std::vector<std::string> candidates;
    if (!o.symvers.empty()) {
      candidates = {o.symvers};
    } else if (o.system_map.empty()) {
      candidates = {p.root + "/usr/src/linux-headers-" + k.release + "/Module.symvers",
                    p.root + "/boot/symvers-" + k.release + ".gz",
                    p.module_dir + "/symvers.gz",
                    p.module_dir + "/build/Module.symvers",
                    p.root + "/usr/src/kernels/" + k.release + "/Module.symvers"};
    }
    for (const auto& c : candidates) {
      if (!is_file(c)) {
        if (!o.symvers.empty()) {
          ex.fatal = Error{ErrorCode::kNotFound, "--symvers file does not exist", {c}};
          return ex;
        }
        continue;
      }
      auto s = read::read_symvers_file(c);
      if (!s) {
        if (!o.symvers.empty()) {
          ex.fatal = s.error();
          return ex;
        }
        ex.findings.push_back(input_finding(kBadInput, c, {c},
                                            "cannot use kernel exports: " + s.error().message));
        continue;
      }
      ex.symvers = std::move(s->symvers);
      break;
    }
    if (!ex.symvers && !o.system_map.empty()) {
      auto s = read::read_system_map_file(o.system_map);
      if (!s) {
        ex.fatal = s.error();
        return ex;
      }
      ex.symvers = std::move(s->symvers);
    }
    if (ex.symvers) {
      const bool names_only = ex.symvers->layout == model::SymversLayout::kSystemMap;
      ex.vmlinux.reserve(ex.symvers->entries.size());
      bool zero = true, any = false;
      for (const auto& e : ex.symvers->entries) {
        if (e.module != "vmlinux" && !names_only) continue;
        ex.vmlinux[e.name] = model::KernelExport{e.crc, e.gpl_only(), e.ns};
        if (e.crc) {
          any = true;
          zero = zero && *e.crc == 0;
        }
      }
      if (any) ex.all_zero_crcs = zero;
    }
    return ex;
  };
  if (!o.symvers.empty() && !is_file(o.symvers))  // fail before the tree is read
    return make_error(ErrorCode::kNotFound, "--symvers file does not exist", {o.symvers});
  std::future<Exports> exports_future =
      std::async(o.threads == 1 ? std::launch::deferred : std::launch::async, load_exports);
  std::optional<Exports> exports;
  auto await_exports = [&]() -> Exports& {
    if (!exports) exports = exports_future.get();
    return *exports;
  };
  timer.lap("kernel exports");
  // Trusted keys: the certificates built into the image, plus --trust. Decompressing the image
  // is the slowest input (~0.6 s CPU for a 66 MiB xz vmlinux) and the keys only matter for
  // signed files: it starts on its own thread when the first signed module is read (or up
  // front when positional files or the caller need the keys), and is skipped when nothing is
  // signed. Content digests are taken of signed files only.
  std::vector<model::TrustedCert> extra_trust;
  for (const auto& t : o.trust) {
    auto certs = read::load_certificate_file(t);
    if (!certs) return tl::unexpected(certs.error());
    for (auto& c : *certs) extra_trust.push_back(std::move(c));
  }
  // /boot/vmlinuz-KVER, a Boot Loader Specification entry, or the package's
  // usr/lib/modules/KVER/vmlinuz (read::find_kernel_image() says which, and why).
  const std::optional<read::ImageLocation> located =
      o.skip_kernel_image ? std::nullopt : read::find_kernel_image(p.root, k.release);
  const std::string image = located ? located->path : p.root + "/boot/vmlinuz-" + k.release;
  const bool have_image = located.has_value();
  if (have_image) {
    k.image_path = image;
    k.image_source = {image, located->provenance};
  }
  std::mutex image_mu;
  std::future<Result<std::vector<model::TrustedCert>>> image_certs;
  auto start_image = [&] {
    std::lock_guard<std::mutex> lock(image_mu);
    if (!have_image || image_certs.valid()) return;
    image_certs = std::async(std::launch::async, [&o, image] {
      if (!o.cache_alias_from.empty()) {
        // whatif's overlay: the root's own image through its cache entry; a new one uncached.
        std::error_code ec;
        std::string mapped = image.starts_with(o.cache_alias_from)
                                 ? o.cache_alias_to + image.substr(o.cache_alias_from.size())
                                 : image;
        if (!std::filesystem::equivalent(image, mapped, ec) || ec)
          return read::kernel_image_certificates(image);
        return read::cached_image_certificates(o.cache_dir, mapped);
      }
      return read::cached_image_certificates(o.cache_dir, image);
    });
  };
  if (o.image_keys_always || !o.files.empty()) start_image();

  timer.lap("trusted keys");
  // Resolve the tree exactly as depmod does.
  resolve::ResolveInput ri;
  ri.root = p.root;
  ri.moddir = p.moddir;
  ri.kver = k.release;
  ri.config = p.depmod_config;
  ri.await_symvers = [&] { return &await_exports().symvers; };
  ri.reroot_externals = !o.literal_externals;
  ri.threads = o.threads;
  read::ReadOptions ropts;
  // Digests of signed files, unless no key can come (no image to read and no --trust): then
  // signers are matched by issuer and serial only.
  ropts.signed_digest = o.verify_content && (have_image || !extra_trust.empty());
  ropts.modinfo_text = false;  // aliases and the full record list: only `modinfo` prints them
  if (have_image) ropts.on_signature = start_image;
  read::ModuleCache cache(o.cache_dir, p.module_dir);
  cache.set_threads(o.threads);
  if (!o.cache_alias_from.empty()) cache.set_alias(o.cache_alias_from, o.cache_alias_to);
  ri.reader = [&](const std::vector<std::string>& paths) {
    return cache.read(paths, ropts, [&](const std::vector<std::string>& misses) {
      return read::read_modules_parallel(misses, ropts, o.threads, o.progress);
    });
  };
  auto res = resolve::resolve_tree(ri);
  if (!res) return tl::unexpected(res.error());
  p.resolution = std::move(*res);
  timer.lap("read + resolve modules");

  Exports& ex = await_exports();
  if (ex.fatal) return tl::unexpected(*ex.fatal);
  for (auto& f : ex.findings) p.input_findings.push_back(std::move(f));
  if (ex.symvers) {
    k.have_exports = true;
    k.exports_have_crcs = ex.symvers->layout != model::SymversLayout::kSystemMap;
    k.exports_source = ex.symvers->path;
    k.vmlinux = std::move(ex.vmlinux);
  } else {
    p.input_findings.push_back(input_finding(
        kNoKernelExports, k.release, {},
        "no kernel export list (Module.symvers, symvers.gz): symbols that no module exports are "
        "assumed to come from vmlinux, and CRC checks against vmlinux (module_layout, imports "
        "from the kernel) are impossible",
        fmt::format("install linux-headers-{0} (Debian) or kernel-devel, or pass --symvers",
                    k.release)));
  }

  // Modules that came from the cache did not pass the reader.
  for (const auto& m : p.resolution.modules)
    if (m.module && m.module->sig.kind != model::SigKind::kNone) {
      start_image();
      break;
    }
  if (image_certs.valid()) {
    auto certs = image_certs.get();
    k.image_read = true;
    if (certs) {
      k.trusted = std::move(*certs);
      k.trust_known = true;
    } else {
      p.input_findings.push_back(input_finding(kBadInput, image, {image},
                                               "cannot read the kernel image's certificates: " +
                                                   certs.error().message));
    }
  } else if (have_image) {
    k.trust_known = true;  // nothing is signed: no key can change a verdict
  }
  for (auto& c : extra_trust) k.trusted.push_back(std::move(c));
  if (!o.trust.empty()) k.trust_known = true;
  timer.lap("trusted keys (wait)");

  // vermagic and the fallback signer: from the kernel's own (intree) modules.
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
  decide_modversions(p, ex.all_zero_crcs, k);
  decide_elf_and_namespaces(p, k);
  if (!k.modversions) {
    Finding f = input_finding(
        kKernelFacts, k.release, {k.modversions_source.path},
        fmt::format("{} is built without CONFIG_MODVERSIONS ({}): no symbol CRC is checked and "
                    "vermagic, compared in full, is the only ABI check",
                    k.release, k.modversions_source.evidence));
    p.input_findings.push_back(std::move(f));
  }
  if (!k.trust_known)
    p.input_findings.push_back(input_finding(
        kTrustUnknown, k.release, {},
        "the kernel's trusted keys are unknown (no kernel image, no --trust, no signed in-tree "
        "module): signatures were not judged",
        "pass the kernel image's directory with --root or certificates with --trust"));
  return p;
}

}  // namespace ofsck::check
