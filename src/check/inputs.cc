// prepare(): gathers one node's inputs the way the boot will see them. Every path the target
// system names (configs, externals, /boot) is re-rooted under --root.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>

#include <fmt/format.h>

#include "check/check_tree.hpp"
#include "check/kernel_facts.hpp"
#include "check/node_reads.hpp"
#include "check/rules.hpp"
#include "check/rules/foreign_exports.hpp"
#include "read/cache.hpp"
#include "read/kernel_image.hpp"
#include "read/kmod_version.hpp"
#include "read/parallel.hpp"
#include "read/text/depmod_conf.hpp"
#include "read/text/kcmdline.hpp"
#include "read/text/modprobe_conf.hpp"
#include "read/text/symvers.hpp"
#include "read/x509.hpp"
#include "util/release_memory.hpp"
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

void parse_release(model::KernelFacts& k) {
  std::sscanf(k.release.c_str(), "%d.%d", &k.major, &k.minor);
}

}  // namespace

Result<BootKernel> choose_kernel(const std::string& root, const std::string& wanted) {
  if (wanted.empty()) return next_boot_kernel(root);
  BootKernel b{wanted, "option", "--kernel", {}};
  if (root.empty() || root == "/") b.running = running_release();
  return b;
}

Result<std::string> pick_kernel(const std::string& root, const std::string& wanted) {
  auto b = choose_kernel(root, wanted);
  if (!b) return tl::unexpected(b.error());
  return b->release;
}

namespace {

/// Kernel exports: --symvers, --system-map, or where distributions keep them.
struct Exports {
  std::optional<model::Symvers> symvers;
  std::unordered_map<std::string, model::KernelExport> vmlinux;
  std::vector<Finding> findings;
  std::optional<Error> fatal;                  // --symvers/--system-map given and unusable
  std::optional<bool> all_zero_crcs;           // every vmlinux CRC is 0 (no CONFIG_MODVERSIONS)
  ExportListFacts facts;                       // of the Module.symvers read, for OFS309's evidence
  bool refused = false;                        // OFS309: the list does not belong to this kernel
  std::optional<model::Symvers> refused_list;  // the list refused (depmod's view still had it)
};

std::vector<std::string> symvers_candidates(const NodeSpec& spec, const Node& p) {
  if (!spec.symvers.empty()) return {spec.symvers};
  if (!spec.system_map.empty()) return {};
  const std::string& kver = p.kernel.release;
  return {p.root + "/usr/src/linux-headers-" + kver + "/Module.symvers",
          p.root + "/boot/symvers-" + kver + ".gz", p.module_dir + "/symvers.gz",
          p.module_dir + "/build/Module.symvers",
          p.root + "/usr/src/kernels/" + kver + "/Module.symvers"};
}

/// Whether read_exports() has a file to read (else the image's exports will be needed).
bool any_symvers_file(const NodeSpec& spec, const Node& p) {
  if (!spec.system_map.empty()) return true;
  for (const auto& c : symvers_candidates(spec, p))
    if (is_file(c)) return true;
  return false;
}

/// The vmlinux exports of a symvers (every name of a System.map), and whether all CRCs are 0.
void index_vmlinux(Exports& ex) {
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

Exports read_exports(const NodeSpec& spec, const Node& p) {
  Exports ex;
  for (const auto& c : symvers_candidates(spec, p)) {
    if (!is_file(c)) {
      if (!spec.symvers.empty()) {
        ex.fatal = Error{ErrorCode::kNotFound, "--symvers file does not exist", {c}};
        return ex;
      }
      continue;
    }
    auto s = read::read_symvers_file(c);
    if (!s) {
      if (!spec.symvers.empty()) {
        ex.fatal = s.error();
        return ex;
      }
      ex.findings.push_back(
          input_finding(kBadInput, c, {c}, "cannot use kernel exports: " + s.error().message));
      continue;
    }
    ex.facts = {c, p.kernel.release, s->lines, static_cast<uint32_t>(s->problems.size())};
    ex.symvers = std::move(s->symvers);
    break;
  }
  if (!ex.symvers && !spec.system_map.empty()) {
    auto s = read::read_system_map_file(spec.system_map);
    if (!s) {
      ex.fatal = s.error();
      return ex;
    }
    ex.symvers = std::move(s->symvers);
  }
  if (ex.symvers) index_vmlinux(ex);
  return ex;
}

/// The node's root, kernel release and module directory.
Result<void> locate(const NodeSpec& spec, Node& p) {
  p.root = spec.root == "/" ? "" : spec.root;
  while (p.root.size() > 1 && p.root.back() == '/') p.root.pop_back();
  if (!p.root.empty() && !is_dir(p.root))
    return make_error(ErrorCode::kNotFound, "root directory does not exist", {p.root});
  auto chosen = choose_kernel(p.root, spec.kver);
  if (!chosen) return tl::unexpected(chosen.error());
  p.kernel_choice = std::move(*chosen);
  model::KernelFacts& k = p.kernel;
  k.release = p.kernel_choice.release;
  parse_release(k);
  p.moddir = is_dir(p.root + "/lib/modules/" + k.release) ? "/lib/modules" : "/usr/lib/modules";
  p.module_dir = p.root + p.moddir + "/" + k.release;
  if (!is_dir(p.module_dir))
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no module tree for kernel {} (looked in {}/lib/modules and "
                                  "{}/usr/lib/modules)",
                                  k.release, p.root, p.root),
                      {p.module_dir});
  return {};
}

/// depmod.d, modprobe.d (as the root's own kmod reads them), the kernel command line and the
/// kernel's configuration switches.
void read_configuration(const NodeSpec& spec, Node& p) {
  model::KernelFacts& k = p.kernel;
  const model::KmodVersion kmod = read::detect_kmod_version(p.root);
  p.depmod_config = read::load_depmod_config({p.root, {}, k.release, kmod.major});
  p.depmod_config.kmod_version = kmod;
  p.modprobe_config = read::load_modprobe_config({p.root, {}, p.moddir + "/" + k.release, kmod});
  p.cmdline = read::parse_kernel_cmdline(read::node_cmdline_text(p.root, spec.cmdline));
  read_kernel_config(p, k);
  k.sig_enforce = p.cmdline.sig_enforce || k.sig_force;
  k.lockdown = p.cmdline.lockdown;
  k.module_blacklist = p.cmdline.module_blacklist;
}

/// Trusted keys: the certificates built into the image, plus --trust. Decompressing the image
/// is the slowest input (~0.8 s CPU for a 66 MiB xz vmlinux) and the keys only matter for
/// signed files: it starts on its own thread when the first signed module is read (or up front
/// when positional files or the caller need the keys), and is skipped when nothing is signed.
/// When the kernel's .config says CONFIG_MODULE_SIG=y, it is prefetched before the tree is
/// scanned, and the module readers wait for it (yield_to_decode) once the tree is scanned:
/// the decoder (the 32 MiB xz dictionary) is freed before the module records are built, so
/// the run's peak memory is the larger of the two, not their sum. A prefetch counts as read only
/// once a signed file needs the keys, so verdicts and output do not change; when nothing turns out
/// signed, prepare() still waits for it to end.
class ImageKeys {
 public:
  using Certs = Result<std::vector<model::TrustedCert>>;
  ImageKeys(const ReadSettings& rs, const Node& p) : rs_(rs) {
    // /boot/vmlinuz-KVER, a Boot Loader Specification entry, or the package's
    // usr/lib/modules/KVER/vmlinuz (read::find_kernel_image() says which, and why).
    if (!rs.skip_kernel_image) located_ = read::find_kernel_image(p.root, p.kernel.release);
    image_ = located_ ? located_->path : p.root + "/boot/vmlinuz-" + p.kernel.release;
  }
  [[nodiscard]] bool have_image() const { return located_.has_value(); }
  [[nodiscard]] const std::string& image() const { return image_; }
  [[nodiscard]] const std::optional<read::ImageLocation>& located() const { return located_; }
  [[nodiscard]] bool started() const { return needed_; }

  /// Starts the decode without saying that a signed file needs it.
  void prefetch() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!have_image() || certs_.valid()) return;
    certs_ = std::async(std::launch::async, [this] { return read_certs(); }).share();
  }
  /// A signed file (or the caller) needs the keys: starts the decode unless it is under way.
  void start() {
    prefetch();
    needed_ = have_image();
  }
  /// Blocks until a decode already under way has ended (a module reader's yield).
  void yield_to_decode() {
    std::shared_future<Certs> mine;
    {
      std::lock_guard<std::mutex> lock(mu_);
      mine = certs_;
    }
    if (mine.valid()) mine.wait();
  }
  Certs get() { return certs_.get(); }

 private:
  /// The decode's result; its freed dictionary and image copy go back to the kernel before the
  /// module records peak (util/release_memory.hpp).
  Certs read_certs() const {
    Certs c = decode_certs();
    util::release_freed_memory();
    return c;
  }
  Certs decode_certs() const {
    const std::string& from = rs_.cache_alias_from;
    if (from.empty()) return read::cached_image_certificates(rs_.cache_dir, image_);
    // whatif's overlay: the root's own image through its cache entry; a new one uncached.
    std::error_code ec;
    const std::string mapped =
        image_.starts_with(from) ? rs_.cache_alias_to + image_.substr(from.size()) : image_;
    if (!fs::equivalent(image_, mapped, ec) || ec) return read::kernel_image_certificates(image_);
    return read::cached_image_certificates(rs_.cache_dir, mapped);
  }

  const ReadSettings& rs_;
  std::optional<read::ImageLocation> located_;
  std::string image_;
  std::mutex mu_;
  std::shared_future<Certs> certs_;
  std::atomic<bool> needed_{false};
};

/// Resolves the tree exactly as depmod does, reading the modules through the cache.
Result<resolve::Resolution> resolve_modules(
    const Node& p, const ReadSettings& rs, ImageKeys& keys, bool any_trust,
    std::function<const std::optional<model::Symvers>*()> await_symvers) {
  resolve::ResolveInput ri;
  ri.root = p.root;
  ri.moddir = p.moddir;
  ri.kver = p.kernel.release;
  ri.config = p.depmod_config;
  ri.await_symvers = std::move(await_symvers);
  ri.reroot_externals = !rs.literal_externals;
  ri.threads = rs.threads;
  read::ReadOptions ropts;
  // Digests of signed files, unless no key can come (no image to read and no --trust): then
  // signers are matched by issuer and serial only.
  ropts.signed_digest = rs.verify_content && (keys.have_image() || any_trust);
  ropts.modinfo_text = false;  // aliases and the full record list: only `modinfo` prints them
  if (keys.have_image()) ropts.on_signature = [&keys] { keys.start(); };
  read::ModuleCache cache(rs.cache_dir, p.module_dir);
  cache.set_threads(rs.threads);
  if (!rs.cache_alias_from.empty()) cache.set_alias(rs.cache_alias_from, rs.cache_alias_to);
  ri.reader = [&](const std::vector<std::string>& paths, const read::ModuleSink& sink,
                  const resolve::StoredRecord& stored) {
    auto read_misses = [&](const std::vector<std::string>& misses, const read::ModuleSink& s) {
      // A prefetched decode runs alone first: its 32 MiB dictionary is gone before the module
      // records grow, so the two never add up to the run's peak (below depmod -a's).
      keys.yield_to_decode();
      read::read_modules_into(misses, ropts, rs.threads, s, rs.progress);
    };
    cache.read_into(paths, ropts, read_misses, sink, stored);
  };
  return resolve::resolve_tree(ri);
}

/// vmlinux's exports read from the kernel image (read/vmlinux_exports.hpp), on a thread: the
/// fallback when no Module.symvers is given or found, or the one found is refused (OFS309).
/// The whole payload is decoded, so this starts only when it will be used.
class ImageExports {
 public:
  ImageExports(const ReadSettings& rs, const std::optional<read::ImageLocation>& img,
               const model::KernelFacts& k)
      : cache_dir_(rs.cache_dir), kver_(k.major * 100 + k.minor), threads_(rs.threads) {
    if (img) image_ = img->path;
    // whatif's overlay: the image may be a new one, so it is read without the cache.
    if (!rs.cache_alias_from.empty()) cache_dir_.clear();
  }
  void start() {
    if (image_.empty() || future_.valid()) return;
    future_ = std::async(launch_policy(threads_),
                         [this] { return read::cached_image_exports(cache_dir_, image_, kver_); });
  }
  /// The exports, or why there are none (no image: nullopt).
  std::optional<Result<read::VmlinuxExports>> get() {
    start();
    if (!future_.valid()) return std::nullopt;
    return future_.get();
  }

 private:
  std::string cache_dir_, image_;
  int kver_ = 0;
  unsigned threads_ = 1;
  std::future<Result<read::VmlinuxExports>> future_;
};

/// OFS309: drops a Module.symvers that has no vmlinux line or disagrees with the tree's own
/// in-tree modules (System.map lists carry no CRCs and are taken as given).
void refuse_foreign(Exports& ex, const Node& p) {
  if (!ex.symvers || ex.symvers->layout == model::SymversLayout::kSystemMap) return;
  auto f = check_exports_belong(p.resolution, ex.vmlinux, ex.facts);
  if (!f) return;
  ex.findings.push_back(std::move(*f));
  ex.refused = true;
  ex.refused_list = std::move(ex.symvers);
  ex.symvers.reset();
  ex.vmlinux.clear();
  ex.all_zero_crcs.reset();
}

/// The image's exports into the node; false when there are none.
bool take_image_exports(ImageExports& img, Exports& ex, Node& p) {
  auto got = img.get();
  if (!got) return false;
  if (!*got) {
    p.input_findings.push_back(input_finding(
        kBadInput, p.kernel.image_path, {p.kernel.image_path},
        "cannot read vmlinux's exports from the kernel image: " + got->error().message));
    return false;
  }
  read::VmlinuxExports& ie = **got;
  model::KernelFacts& k = p.kernel;
  k.have_exports = true;
  k.exports_have_crcs = true;
  k.exports_source = ie.symvers.path;
  k.exports_kind = "kernel image (" + ie.layout + ")";
  k.vmlinux.reserve(ie.symvers.entries.size());
  for (const auto& e : ie.symvers.entries)
    k.vmlinux[e.name] = model::KernelExport{e.crc, e.gpl_only(), e.ns};
  ex.all_zero_crcs = !ie.has_crcs;
  return true;
}

/// The kernel's exports into the node: the list found (unless refused), else the image's, else
/// the OFS301 finding that there are none. Fails when a refused list leaves nothing usable.
Result<void> take_exports(Exports& ex, ImageExports& img, Node& p) {
  model::KernelFacts& k = p.kernel;
  if (ex.fatal) return tl::unexpected(*ex.fatal);
  refuse_foreign(ex, p);
  for (auto& f : ex.findings) p.input_findings.push_back(std::move(f));
  if (ex.symvers) {
    k.have_exports = true;
    k.exports_have_crcs = ex.symvers->layout != model::SymversLayout::kSystemMap;
    k.exports_source = ex.symvers->path;
    k.exports_kind = k.exports_have_crcs ? "Module.symvers" : "System.map";
    k.vmlinux = std::move(ex.vmlinux);
    return {};
  }
  if (take_image_exports(img, ex, p)) return {};
  if (ex.refused)
    return make_error(
        ErrorCode::kMalformed,
        fmt::format("{} does not belong to kernel {} (see OFS309) and no kernel image "
                    "gives vmlinux's exports: nothing usable remains",
                    ex.facts.path, k.release),
        {ex.facts.path});
  p.input_findings.push_back(input_finding(
      kNoKernelExports, k.release, {},
      "no kernel export list (Module.symvers, symvers.gz) and no kernel image to read vmlinux's "
      "exports from: symbols that no module exports are assumed to come from vmlinux, and CRC "
      "checks against vmlinux (module_layout, imports from the kernel) are impossible",
      fmt::format("install linux-headers-{0} (Debian) or kernel-devel, or pass --symvers",
                  k.release)));
  return {};
}

/// The image's keys (when some module is signed) and --trust into the kernel facts.
void take_trust(ImageKeys& keys, std::vector<model::TrustedCert> extra, bool trust_given, Node& p) {
  model::KernelFacts& k = p.kernel;
  // Modules that came from the cache did not pass the reader.
  for (const auto& m : p.resolution.modules)
    if (m.module && m.module->sig.kind != model::SigKind::kNone) {
      keys.start();
      break;
    }
  if (keys.started()) {
    auto certs = keys.get();
    k.image_read = true;
    if (certs) {
      k.trusted = std::move(*certs);
      k.trust_known = true;
    } else {
      p.input_findings.push_back(
          input_finding(kBadInput, keys.image(), {keys.image()},
                        "cannot read the kernel image's certificates: " + certs.error().message));
    }
  } else if (keys.have_image()) {
    k.trust_known = true;  // nothing is signed: no key can change a verdict
  }
  for (auto& c : extra) k.trusted.push_back(std::move(c));
  if (trust_given) k.trust_known = true;
}

/// --trust certificate files.
Result<std::vector<model::TrustedCert>> read_trust_files(const std::vector<std::string>& files) {
  std::vector<model::TrustedCert> out;
  for (const auto& t : files) {
    auto certs = read::load_certificate_file(t);
    if (!certs) return tl::unexpected(certs.error());
    for (auto& c : *certs) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Result<Node> prepare(const NodeSpec& spec, const ReadSettings& rs) {
  Node p;
  if (auto l = locate(spec, p); !l) return tl::unexpected(l.error());
  PhaseTimer timer;
  read_configuration(spec, p);
  timer.lap("configuration");
  if (!spec.symvers.empty() && !is_file(spec.symvers))  // fail before the tree is read
    return make_error(ErrorCode::kNotFound, "--symvers file does not exist", {spec.symvers});
  // Parsed on threads while the tree is scanned and read; joined when needed.
  std::future<Exports> exports_future =
      std::async(launch_policy(rs.threads), [&spec, &p] { return read_exports(spec, p); });
  std::optional<Exports> exports;
  auto await_exports = [&]() -> Exports& {
    if (!exports) exports = exports_future.get();
    return *exports;
  };
  std::future<DepIndexOnDisk> dep_index =
      std::async(launch_policy(rs.threads), [dir = p.module_dir, want = rs.evaluation_reads] {
        return want ? read_dep_index(dir) : DepIndexOnDisk{};
      });
  auto extra_trust = read_trust_files(spec.trust);
  if (!extra_trust) return tl::unexpected(extra_trust.error());
  ImageKeys keys(rs, p);
  if (keys.have_image()) {
    p.kernel.image_path = keys.image();
    p.kernel.image_source = {keys.image(), keys.located()->provenance};
  }
  if (rs.image_keys_always || !spec.files.empty()) keys.start();
  if (!p.kernel.config_source.empty() && p.kernel.module_sig) keys.prefetch();
  ImageExports image_exports(rs, keys.located(), p.kernel);
  if (!any_symvers_file(spec, p)) image_exports.start();  // the fallback will be needed
  timer.lap("kernel exports + trusted keys");
  auto res = resolve_modules(p, rs, keys, !extra_trust->empty(), [&] {
    // A list without one vmlinux line is no list (OFS309): depmod's view gets none.
    static const std::optional<model::Symvers> kNone;
    Exports& e = await_exports();
    return e.symvers && e.vmlinux.empty() ? &kNone : &e.symvers;
  });
  if (!res) return tl::unexpected(res.error());
  p.resolution = std::move(*res);
  timer.lap("read + resolve modules");
  NodeReads reads(p, rs);  // losers, firmware, packages, modprobe indexes: on their threads
  Exports& ex = await_exports();
  const bool depmod_had_list = ex.symvers && !ex.vmlinux.empty();  // as await_symvers said
  if (auto t = take_exports(ex, image_exports, p); !t) return tl::unexpected(t.error());
  if (rs.evaluation_reads) {  // what resolve_tree() was given, for scenario/prove_hints
    std::optional<model::Symvers> given;
    if (depmod_had_list) given = std::move(ex.refused ? ex.refused_list : ex.symvers);
    p.depmod_symvers = std::make_shared<const std::optional<model::Symvers>>(std::move(given));
  }
  take_trust(keys, std::move(*extra_trust), !spec.trust.empty(), p);
  timer.lap("trusted keys (wait)");
  derive_kernel_facts(ex.all_zero_crcs, p);
  p.files = read_given_files(spec.files, p, rs);
  p.verified_signatures =
      std::make_shared<read::KeyValueCache>(rs.cache_dir, "verified-signatures");
  p.dep_index = dep_index.get();
  reads.finish(p);
  p.evaluable = rs.evaluation_reads && rs.packages;
  timer.lap("node reads (wait)");
  if (spec.kernel_facts) p.kernel = *spec.kernel_facts;
  return p;
}

}  // namespace ofsck::check
