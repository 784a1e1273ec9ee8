// plan_upgrade(): both kernels are prepared with the same prepare() `check` uses, so the target's
// tree, Module.symvers, config, vermagic, certificates and depmod.d search order are exactly the
// ones `ofsck check --kernel TO` would see. Three questions per out-of-tree module:
//  (a) as things stand: the target's own resolution and evaluate() decide it;
//  (b) if linked into TO/weak-updates/: weak-modules (kernel-semantics.md §8) validates links with
//      `depmod -naeE` in a sandbox that ranks weak-updates above everything; production ranks it
//      last (`search updates extra built-in weak-updates`), so a target module of the same name
//      keeps winning unless an override exists. We ask depmod_module_is_higher_priority() (via
//      resolve::PriorityRules) whether the link would win, then insert the module's dependency
//      chain as modprobe does and run simulate_load() for each, which adds what weak-modules
//      never checks: vermagic flags, module_layout, signatures, GPL and namespaces;
//  (c) otherwise it must be rebuilt against the target's headers.
// With `--to PKG…` the packages are laid over the root on whatif's private overlay first and
// both kernels are prepared there (untouched files are symlinks to the root's, so FROM sees its
// own files and same_file() still compares inodes); paths are mapped back to the root.
#include "scenario/upgrade.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "check/load_sim.hpp"
#include "check/rules.hpp"
#include "check/rules/packages.hpp"
#include "check/signature_check.hpp"
#include "scenario/whatif.hpp"
#include "resolve/select.hpp"

namespace ofsck::check {

namespace fs = std::filesystem;

namespace {

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// True when `a` and `b` are the same file on the inspected root. Symlinks with absolute targets
/// (weak-modules writes `/lib/modules/<krel>/extra/x.ko`) are followed re-rooted.
bool same_file(const std::string& root, const std::string& a, const std::string& b) {
  auto key = [&root](const std::string& p, dev_t& dev, ino_t& ino) {
    std::string cur = p;
    for (int hops = 0; hops < 16; ++hops) {
      struct stat st;
      if (lstat(cur.c_str(), &st) != 0) return false;
      if (!S_ISLNK(st.st_mode)) {
        dev = st.st_dev;
        ino = st.st_ino;
        return true;
      }
      std::error_code ec;
      fs::path t = fs::read_symlink(cur, ec);
      if (ec) return false;
      cur = t.is_absolute() ? root + t.string() : (fs::path(cur).parent_path() / t).string();
    }
    return false;
  };
  dev_t da = 0, db = 0;
  ino_t ia = 0, ib = 0;
  return key(a, da, ia) && key(b, db, ib) && da == db && ia == ib;
}

/// weak-modules' module_weak_link(): the path after /lib/modules/<krel>/<first dir>/.
std::string weak_subpath(const resolve::ScannedFile& f) {
  if (f.external >= 0) return f.relpath.substr(f.relpath.rfind('/') + 1);
  auto slash = f.relpath.find('/');
  return slash == std::string::npos ? f.relpath : f.relpath.substr(slash + 1);
}

bool built_with_kernel(const resolve::ScannedFile& f, const model::ModuleFile* m) {
  return f.external < 0 && f.relpath.rfind("kernel/", 0) == 0 && m && m->info.intree;
}

std::string hex(uint32_t v) { return fmt::format("{:#010x}", v); }

/// The kABI list's architecture name from the modules' ELF machine.
std::string kabi_arch(uint16_t machine) {
  switch (machine) {
    case 62: return "x86_64";
    case 183: return "aarch64";
    case 21: return "ppc64le";
    case 22: return "s390x";
    default: return "x86_64";
  }
}

/// Which package gives the target's headers: RPM systems kernel-devel, Debian linux-headers.
std::string headers_package(const Prepared& to) {
  bool rpm = is_dir(to.root + "/var/lib/rpm") || is_dir(to.root + "/usr/lib/sysimage/rpm") ||
             to.kernel.release.find(".el") != std::string::npos;
  return (rpm ? "kernel-devel-" : "linux-headers-") + to.kernel.release;
}

/// A module in the hypothetical target world: a target winner or a linked candidate.
struct Node {
  const model::ModuleFile* file = nullptr;
  const ExportIndex* exports = nullptr;
  std::string name;
  int to_index = -1;    ///< Resolution::modules index on TO
  int candidate = -1;   ///< index into the candidate list
};

struct Candidate {
  uint32_t from_file = 0;
  const model::ModuleFile* file = nullptr;
  std::unique_ptr<ExportIndex> exports;
  std::string name;  ///< kernel module name (normalised resolution name)
  bool link_wins = false;
};

/// The world after linking every candidate into TO's weak-updates/: symbol → provider.
class LinkedWorld {
 public:
  LinkedWorld(const Prepared& to, std::vector<Candidate>& cands) : to_(to), cands_(cands) {
    const auto& mods = to.resolution.modules;
    to_exports_.resize(mods.size());
    for (size_t c = 0; c < cands.size(); ++c) {
      if (!cands[c].link_wins) continue;
      replaced_.insert(cands[c].name);
      for (const auto& e : cands[c].file->exports) by_symbol_.emplace(e.name, static_cast<int>(c));
    }
  }

  Node candidate_node(int c) const {
    return {cands_[static_cast<size_t>(c)].file, cands_[static_cast<size_t>(c)].exports.get(),
            kernel_module_name(*cands_[static_cast<size_t>(c)].file), -1, c};
  }

  /// depmod's provider of `sym` in the linked world; nullopt = vmlinux or nobody.
  std::optional<Node> provider(const std::string& sym) {
    if (to_.kernel.vmlinux.count(sym)) return std::nullopt;
    auto c = by_symbol_.find(sym);
    if (c != by_symbol_.end()) return candidate_node(c->second);
    const auto& st = to_.resolution.symbols.symbols;
    auto it = st.find(sym);
    if (it == st.end() || it->second.source != resolve::Symbol::Source::kModule) return std::nullopt;
    int o = it->second.owner;
    const auto& m = to_.resolution.modules[static_cast<size_t>(o)];
    if (!m.module || replaced_.count(m.name)) return std::nullopt;
    auto& ex = to_exports_[static_cast<size_t>(o)];
    if (!ex) ex = std::make_unique<ExportIndex>(*m.module);
    return Node{&*m.module, ex.get(), kernel_module_name(*m.module), o, -1};
  }

  /// modprobe's insertion order for `root`: dependencies first (depth-first post-order).
  std::vector<Node> chain(const Node& root) {
    std::vector<Node> out;
    std::set<std::string> seen;
    visit(root, seen, out);
    return out;
  }

  /// The provider's CRC for `sym` in the linked world: {provider name, crc}; name "" = nobody.
  std::pair<std::string, std::optional<uint32_t>> provider_crc(const std::string& sym) {
    auto k = to_.kernel.vmlinux.find(sym);
    if (k != to_.kernel.vmlinux.end()) return {"vmlinux", k->second.crc};
    auto n = provider(sym);
    if (!n) return {"", std::nullopt};
    auto e = n->exports->by_name.find(sym);
    return {n->name, e == n->exports->by_name.end() ? std::nullopt : e->second->crc};
  }

 private:
  void visit(const Node& n, std::set<std::string>& seen, std::vector<Node>& out) {
    if (!seen.insert(n.name).second) return;
    for (const auto& imp : n.file->imports) {
      if (!imp.in_symtab || imp.weak) continue;
      auto p = provider(imp.name);
      if (p && p->name != n.name) visit(*p, seen, out);
    }
    out.push_back(n);
  }

  const Prepared& to_;
  std::vector<Candidate>& cands_;
  std::unordered_map<std::string, int> by_symbol_;
  std::unordered_set<std::string> replaced_;
  std::vector<std::unique_ptr<ExportIndex>> to_exports_;
};

/// FROM: --kernel, else the only kernel of the root other than TO, else pick_kernel().
Result<std::string> pick_from(const UpgradeOptions& o) {
  if (!o.check.kver.empty()) return o.check.kver;
  std::string root = o.check.root == "/" ? "" : o.check.root;
  if (!root.empty()) {
    std::set<std::string> found;
    for (const char* moddir : {"/lib/modules", "/usr/lib/modules"}) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(root + moddir, ec)) {
        std::string n = e.path().filename();
        if (e.is_directory(ec) && n != o.to && n != "kabi-current") found.insert(n);
      }
    }
    if (found.size() == 1) return *found.begin();
  }
  return pick_kernel(root, "");
}

std::string strip_root(const std::string& root, const std::string& path) {
  if (!root.empty() && path.rfind(root + "/", 0) == 0) return path.substr(root.size());
  return path;
}

Finding module_finding(std::string_view rule, const UpgradeModule& m, const std::string& path,
                       std::string message, std::string hint) {
  Finding f = make_finding(rule, m.name, std::move(message));
  f.where.push_back({path});
  if (!m.package.empty()) f.where.back().package = m.package;
  f.kernel_messages = m.kernel_messages;
  f.notes = m.reasons;
  f.hint = std::move(hint);
  return f;
}

}  // namespace

Result<std::vector<std::string>> read_kabi_list(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return make_error(ErrorCode::kNotFound, "kABI list cannot be opened", {path});
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '[' || line[b] == '#') continue;
    size_t e = line.find_last_not_of(" \t\r");
    out.push_back(line.substr(b, e - b + 1));
  }
  if (in.bad()) return make_error(ErrorCode::kIo, "kABI list cannot be read", {path});
  return out;
}

namespace {

/// Per owning package: the union of its modules' off-list imports, and who imports each.
std::vector<KabiPackageRisk> kabi_rollup(const std::vector<UpgradeModule>& modules) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> by_pkg;
  std::map<std::string, std::set<std::string>> mods;
  for (const auto& m : modules) {
    if (m.kabi_risks.empty()) continue;
    std::string pkg =
        m.package.empty() || m.package == kNoPackage ? std::string(kUnownedGroup) : m.package;
    mods[pkg].insert(m.name);
    for (const auto& sym : m.kabi_risks) by_pkg[pkg][sym].insert(m.name);
  }
  std::vector<KabiPackageRisk> out;
  for (auto& [pkg, syms] : by_pkg) {
    KabiPackageRisk r;
    r.package = pkg;
    r.modules.assign(mods[pkg].begin(), mods[pkg].end());
    for (auto& [sym, users] : syms) r.symbols.push_back({sym, {users.begin(), users.end()}});
    out.push_back(std::move(r));
  }
  return out;
}

/// `--to KVER`: both kernels are already under the root.
Result<UpgradeReport> plan_installed(const UpgradeOptions& o) {
  if (o.to.empty()) return make_error(ErrorCode::kUsage, "--to KVER is required");
  auto from_or = pick_from(o);
  if (!from_or) return tl::unexpected(from_or.error());
  if (*from_or == o.to)
    return make_error(ErrorCode::kUsage,
                      fmt::format("--to {} is the current kernel; name another release", o.to));

  // An unreadable --kabi-list is an input error: say so before reading two module trees.
  std::optional<std::vector<std::string>> given_kabi;
  if (!o.kabi_list.empty()) {
    auto l = read_kabi_list(o.kabi_list);
    if (!l) return tl::unexpected(l.error());
    given_kabi = std::move(*l);
  }

  CheckOptions fo = o.check;
  fo.kver = *from_or;
  auto from_or_p = prepare(fo);
  if (!from_or_p) return tl::unexpected(from_or_p.error());
  CheckOptions to_opts = o.check;
  to_opts.kver = o.to;
  to_opts.progress = nullptr;
  to_opts.image_keys_always = true;  // the old kernel's signed modules are judged by these keys
  auto to_or_p = prepare(to_opts);
  if (!to_or_p) return tl::unexpected(to_or_p.error());
  const Prepared& from = *from_or_p;
  const Prepared& to = *to_or_p;
  const auto& fres = from.resolution;
  const auto& tres = to.resolution;

  UpgradeReport rep;
  rep.root = from.root.empty() ? "/" : from.root;
  rep.from = from.kernel.release;
  rep.to = to.kernel.release;
  DiagnosticSink sink;
  for (const auto& f : to.input_findings) sink.add(f);

  // The candidates: FROM winners not built with FROM.
  std::vector<Candidate> cands;
  for (const auto& m : fres.modules) {
    const auto& sf = fres.files[m.file];
    if (!m.module || built_with_kernel(sf, &*m.module)) continue;
    Candidate c;
    c.from_file = m.file;
    c.file = &*m.module;
    c.exports = std::make_unique<ExportIndex>(*m.module);
    c.name = m.name;
    cands.push_back(std::move(c));
  }

  // Would a link in TO's weak-updates/ win the name (depmod_module_is_higher_priority())?
  resolve::PriorityRules rules(to.depmod_config, tres.kmod_dirname);
  std::vector<resolve::ScannedFile> links(cands.size());
  std::vector<std::string> link_notes(cands.size());
  std::unordered_map<std::string, size_t> tsel;
  for (size_t i = 0; i < tres.selections.size(); ++i) tsel[tres.selections[i].name] = i;
  for (size_t c = 0; c < cands.size(); ++c) {
    const auto& sf = fres.files[cands[c].from_file];
    resolve::ScannedFile& l = links[c];
    l.relpath = "weak-updates/" + weak_subpath(sf);
    l.kmod_path = tres.kmod_dirname + "/" + l.relpath;
    l.path = to.module_dir + "/" + l.relpath;
    l.dir = l.relpath.substr(0, l.relpath.rfind('/'));
    l.base_off = l.kmod_path.rfind('/') + 1;
    l.stem = sf.stem;
    l.name = sf.name;
    l.compression = sf.compression;
    auto it = tsel.find(cands[c].name);
    if (it == tsel.end()) {
      cands[c].link_wins = true;
      continue;
    }
    const auto& sel = tres.selections[it->second];
    const auto& w = tres.files[sel.winner];
    if (same_file(to.root, w.path, sf.path)) {  // already linked (or the same file) and winning
      cands[c].link_wins = true;
      continue;
    }
    auto d = rules.compare(w, l);
    cands[c].link_wins = !d.keep_old;
    if (d.keep_old) {
      link_notes[c] =
          d.rule == resolve::Decision::Rule::kOverrideOld
              ? fmt::format("an override keeps {} for {} on {}", w.relpath, sel.name, rep.to)
          : d.equal_prio
              ? fmt::format("{} and {} have equal search priority: readdir() order decides "
                            "which wins; `override {} {} weak-updates` in depmod.d would make "
                            "the link win",
                            l.relpath, w.relpath, sel.name, rep.to)
              : fmt::format("{} would be shadowed by {}: the search order ranks weak-updates "
                            "below it; only `override {} {} weak-updates` in depmod.d would "
                            "make the link win",
                            l.relpath, w.relpath, sel.name, rep.to);
    } else if (d.equal_prio) {
      link_notes[c] = fmt::format("{} and {} have equal search priority: readdir() order decides",
                                  l.relpath, w.relpath);
    }
  }

  // (a) as things stand: TO's own verdicts for the names present.
  CheckOptions eval_opts = to_opts;
  std::vector<int> as_is_index(cands.size(), -1);  // TO module index when the file itself wins
  for (size_t c = 0; c < cands.size(); ++c) {
    auto it = tres.module_by_name.find(cands[c].name);
    if (it == tres.module_by_name.end()) continue;
    const auto& w = tres.files[tres.modules[static_cast<size_t>(it->second)].file];
    if (same_file(to.root, w.path, fres.files[cands[c].from_file].path)) {
      as_is_index[c] = it->second;
      eval_opts.only.push_back(cands[c].name);
    }
  }
  std::unordered_map<std::string, const ModuleResult*> verdicts;
  CheckResult as_is;
  if (!eval_opts.only.empty()) {
    as_is = evaluate(to, eval_opts);
    for (const auto& mr : as_is.modules) verdicts[mr.name] = &mr;
  }

  // kABI list.
  std::optional<std::unordered_set<std::string>> kabi;
  std::string kabi_path = o.kabi_list;
  if (kabi_path.empty() && !cands.empty()) {
    std::string arch = kabi_arch(cands.front().file->machine);
    for (const char* base : {"kabi_stablelist_", "kabi_whitelist_"}) {
      std::string p = from.root + "/lib/modules/kabi-current/" + base + arch;
      if (access(p.c_str(), R_OK) == 0) {
        kabi_path = p;
        break;
      }
    }
  }
  if (given_kabi) {
    kabi.emplace(given_kabi->begin(), given_kabi->end());
    rep.kabi_list = kabi_path;
  } else if (!kabi_path.empty()) {
    auto l = read_kabi_list(kabi_path);
    if (!l) return tl::unexpected(l.error());
    kabi.emplace(l->begin(), l->end());
    rep.kabi_list = kabi_path;
  }

  auto packages = load_packages(from, sink);
  LinkedWorld world(to, cands);
  std::unordered_set<std::string> candidate_exports;
  for (const auto& c : cands)
    for (const auto& e : c.file->exports) candidate_exports.insert(e.name);
  read::KeyValueCache verified(o.check.cache_dir, "verified-signatures");

  for (size_t c = 0; c < cands.size(); ++c) {
    const Candidate& cand = cands[c];
    const auto& sf = fres.files[cand.from_file];
    UpgradeModule um;
    um.name = cand.name;
    um.file = sf.relpath;
    um.link_path = links[c].relpath;
    if (packages) {
      std::string l = owner_label(*packages, strip_root(from.root, sf.path));
      um.package = l.empty() ? std::string(kNoPackage) : l;
    }

    // (a)
    auto tw = tres.module_by_name.find(cand.name);
    if (as_is_index[c] >= 0) {
      auto v = verdicts.find(cand.name);
      bool loads = v != verdicts.end() && v->second->loads;
      um.verdict_as_is = std::string(loads ? kUpgradeLoads : kUpgradeFails);
      um.as_is_file = tres.files[tres.modules[static_cast<size_t>(as_is_index[c])].file].relpath;
      if (!loads && v != verdicts.end()) {
        const ModuleResult& mr = *v->second;
        um.reasons.push_back(
            mr.failed_dependency.empty()
                ? fmt::format("as is: {} on {} fails with {}", um.as_is_file, rep.to,
                              mr.errno_name)
                : fmt::format("as is: dependency {} fails on {}", mr.failed_dependency, rep.to));
      }
    } else if (tw == tres.module_by_name.end()) {
      um.verdict_as_is = std::string(kUpgradeAbsent);
      um.reasons.push_back(
          fmt::format("as is: {} has no {} (not installed, not linked into weak-updates/)",
                      rep.to, cand.name));
    } else {
      um.verdict_as_is = std::string(kUpgradeReplaced);
      um.as_is_file = tres.files[tres.modules[static_cast<size_t>(tw->second)].file].relpath;
      um.reasons.push_back(fmt::format("as is: {} of {} wins the name on {}, not this file",
                                       um.as_is_file, rep.to, rep.to));
    }

    // (b) linked into weak-updates/.
    std::vector<Node> chain = world.chain(world.candidate_node(static_cast<int>(c)));
    std::vector<LoadedModule> loaded;  // newest first
    // modprobe stops at the first dependency that fails; the module's own checks are still
    // simulated (with the dependencies that did load) so that its own reason is reported too.
    LoadVerdict own, dep_verdict;
    std::string failed_dep;
    for (const Node& n : chain) {
      SigVerdict sig = verify_signature(n.file->sig, to.kernel, &verified);
      LoadVerdict v = simulate_load(to.kernel, sig, *n.file, loaded);
      if (n.candidate == static_cast<int>(c)) {
        own = std::move(v);
        break;
      }
      if (!v.loads) {
        if (failed_dep.empty()) {
          failed_dep = n.name;
          dep_verdict = std::move(v);
        }
        continue;
      }
      loaded.insert(loaded.begin(), LoadedModule{n.file, n.exports, n.name});
    }
    if (own.loads && !failed_dep.empty()) own = std::move(dep_verdict);
    if (!cand.link_wins) {
      um.verdict_if_linked = std::string(kUpgradeShadowed);
      um.reasons.push_back("if linked: " + link_notes[c]);
      um.reasons.push_back(fmt::format("with such an override the link would {}",
                                       own.loads && failed_dep.empty()
                                           ? "load"
                                           : "fail (" + errno_name(own.err) + ")"));
    } else {
      if (!link_notes[c].empty()) um.reasons.push_back("if linked: " + link_notes[c]);
      bool loads = own.loads && failed_dep.empty();
      um.verdict_if_linked = std::string(loads ? kUpgradeLoads : kUpgradeFails);
      if (!loads) {
        um.errno_name = errno_name(own.err);
        if (failed_dep.empty() || own.name == kernel_module_name(*cand.file))
          um.reasons.push_back(fmt::format("if linked: the kernel refuses it at {} ({})",
                                           stage_name(own.stage), um.errno_name));
        if (!failed_dep.empty())
          um.reasons.push_back(fmt::format(
              "if linked: its dependency {} fails first (modprobe stops there)", failed_dep));
      }
    }
    for (const auto& l : own.kernel_messages) um.kernel_messages.push_back(l.text);

    // Every import the target does not satisfy as the module was built (what a rebuild fixes).
    for (const auto& imp : cand.file->imports) {
      if (imp.weak) continue;
      auto [prov, crc] = world.provider_crc(imp.name);
      if (prov.empty()) {
        if (imp.in_symtab)
          um.failing_symbols.push_back(fmt::format("{}: not exported on {}", imp.name, rep.to));
      } else if (imp.crc && crc && *imp.crc != *crc && to.kernel.exports_have_crcs) {
        um.failing_symbols.push_back(fmt::format("{}: module has {}, {} on {} has {}", imp.name,
                                                 hex(*imp.crc), prov, rep.to, hex(*crc)));
      }
    }

    // (c)
    um.needs_rebuild = um.verdict_as_is != kUpgradeLoads && um.verdict_if_linked != kUpgradeLoads;
    if (um.needs_rebuild) {
      um.rebuild_headers = headers_package(to);
      rep.any_unloadable = true;
    }

    if (kabi) {
      for (const auto& imp : cand.file->imports) {
        if (!imp.in_symtab || kabi->count(imp.name) || candidate_exports.count(imp.name))
          continue;
        um.kabi_risks.push_back(imp.name);
      }
      std::sort(um.kabi_risks.begin(), um.kabi_risks.end());
      um.kabi_risks.erase(std::unique(um.kabi_risks.begin(), um.kabi_risks.end()),
                          um.kabi_risks.end());
    }

    // Findings (OFS5xx).
    if (um.needs_rebuild) {
      std::string why = um.failing_symbols.empty()
                            ? std::string()
                            : fmt::format(" ({}{})", um.failing_symbols.front(),
                                          um.failing_symbols.size() > 1
                                              ? fmt::format(", {} more", um.failing_symbols.size() - 1)
                                              : "");
      sink.add(module_finding(
          kUpgradeRebuild, um, sf.path,
          fmt::format("{} will not load on {} as is nor linked into weak-updates/{}", um.name,
                      rep.to, why),
          fmt::format("rebuild it against {} (install {})", rep.to, um.rebuild_headers)));
    } else if (um.verdict_as_is != kUpgradeLoads) {
      sink.add(module_finding(
          kUpgradeLink, um, sf.path,
          fmt::format("{} is {} on {} but would load if linked as {}", um.name, um.verdict_as_is,
                      rep.to, um.link_path),
          "link it: weak-modules --add-modules, or a symlink in weak-updates/ and depmod"));
    }
    if (um.verdict_if_linked == kUpgradeShadowed)
      sink.add(module_finding(kUpgradeWeakShadowed, um, sf.path,
                              link_notes[c], ""));
    if (!um.kabi_risks.empty())
      sink.add(module_finding(
          kUpgradeKabiRisk, um, sf.path,
          fmt::format("{} imports {} symbol(s) not on the kABI list {}: {}", um.name,
                      um.kabi_risks.size(), rep.kabi_list, fmt::join(um.kabi_risks, ", ")),
          "the next kernel update may change them"));
    rep.modules.push_back(std::move(um));
  }
  std::sort(rep.modules.begin(), rep.modules.end(),
            [](const UpgradeModule& a, const UpgradeModule& b) { return a.name < b.name; });
  if (kabi) rep.kabi_by_package = kabi_rollup(rep.modules);
  rep.findings = sink.take();
  if (packages) annotate_packages(from, *packages, rep.findings);
  return rep;
}

/// True when `root` (absolute, "" = /) holds a kernel's module tree for `kver`, not just the
/// build/source links a headers package ships.
bool has_module_tree(const std::string& root, const std::string& kver) {
  for (const char* moddir : {"/lib/modules/", "/usr/lib/modules/"}) {
    std::string d = root + moddir + kver;
    for (const char* entry : {"/modules.order", "/modules.builtin", "/kernel"})
      if (access((d + entry).c_str(), F_OK) == 0) return true;
  }
  return false;
}

/// `--to PKG…`: lay the packages over the root, find the kernel they bring, plan on the overlay.
Result<UpgradeReport> plan_packages(const UpgradeOptions& o) {
  auto ov_or = overlay_packages(o.check.root, o.to_packages, o.tmp_dir);
  if (!ov_or) return tl::unexpected(ov_or.error());
  const PackageOverlay& ov = *ov_or;
  const std::string shown_root = ov.orig.empty() ? "/" : ov.orig;

  // The kernels the packages bring: releases whose paths they ship and whose module tree exists
  // once they are laid over the root. New releases come first: a vendor package for the current
  // kernel given alongside the new kernel's does not make the choice ambiguous.
  std::set<std::string> brought, fresh, headers_only;
  for (const auto& t : ov.touched)
    for (const auto& k : t) {
      if (k == "*") continue;
      if (!has_module_tree(ov.dir, k)) {
        headers_only.insert(k);
        continue;
      }
      brought.insert(k);
      if (!has_module_tree(ov.orig, k)) fresh.insert(k);
    }
  const std::set<std::string>& cand = fresh.empty() ? brought : fresh;
  std::string target = o.to;
  if (!target.empty()) {
    if (!has_module_tree(ov.dir, target))
      return make_error(ErrorCode::kUsage,
                        fmt::format("--to {}: no module tree for it on {} nor in the --to "
                                    "packages",
                                    target, shown_root));
  } else if (cand.empty()) {
    const std::vector<std::string>& names = o.to_packages;
    std::string why = "it ships no lib/modules/<release>/ module tree";
    if (!headers_only.empty())
      why = fmt::format("it ships files for {} but no module tree (headers only? add the "
                        "kernel's image package)",
                        fmt::join(headers_only, ", "));
    return make_error(
        ErrorCode::kUsage,
        fmt::format("--to {}: {} no kernel: {}; --to takes kernel packages (linux-image-*, "
                    "kernel-core-*) or an installed release",
                    fmt::join(names, " --to "), names.size() == 1 ? "carries" : "carry", why));
  } else if (cand.size() > 1) {
    return make_error(ErrorCode::kUsage,
                      fmt::format("the --to packages bring several kernels ({}); name the target "
                                  "with one more --to KVER",
                                  fmt::join(cand, ", ")));
  } else {
    target = *cand.begin();
  }

  UpgradeOptions in = o;
  in.to_packages.clear();
  in.to = target;
  // FROM is chosen on the root as it is.
  UpgradeOptions pick = o;
  pick.to = target;
  auto from_or = pick_from(pick);
  if (!from_or) return tl::unexpected(from_or.error());
  in.check.kver = *from_or;
  in.check.root = ov.dir;
  // Inputs of the running system are fixed from the inspected root (the overlay is not "/").
  if (!in.check.cmdline && ov.orig.empty()) {
    std::ifstream cl("/proc/cmdline");
    std::string line;
    std::getline(cl, line);
    in.check.cmdline = line;
  } else if (!in.check.cmdline) {
    in.check.cmdline = "";
  }
  // Untouched files are symlinks to the root's: read the root's cache entries, never write.
  in.check.cache_alias_from = ov.dir;
  in.check.cache_alias_to = ov.orig;
  auto rep_or = plan_installed(in);
  if (!rep_or) {
    Error err = rep_or.error();
    replace_all(err.message, ov.dir, ov.orig);
    replace_all(err.where.path, ov.dir, ov.orig);
    return tl::unexpected(err);
  }
  UpgradeReport rep = std::move(*rep_or);
  rep.root = shown_root;
  rep.to_packages = o.to_packages;
  rep.to_packages_read = ov.installed;
  replace_all(rep.kabi_list, ov.dir, ov.orig);
  for (auto& f : rep.findings) replace_all(f, ov.dir, ov.orig);
  for (auto& m : rep.modules) {
    for (std::string* s : {&m.file, &m.as_is_file, &m.link_path})
      replace_all(*s, ov.dir, ov.orig);
    for (auto* v : {&m.reasons, &m.kernel_messages, &m.failing_symbols})
      for (auto& s : *v) replace_all(s, ov.dir, ov.orig);
  }
  return rep;
}

}  // namespace

Result<UpgradeReport> plan_upgrade(const UpgradeOptions& o) {
  return o.to_packages.empty() ? plan_installed(o) : plan_packages(o);
}

}  // namespace ofsck::check
