#include "cli/commands.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"
#include "check/rules/packages.hpp"
#include "check/signature_check.hpp"
#include "read/module_reader.hpp"
#include "report/render.hpp"
#include "resolve/deps.hpp"
#include "util/timing.hpp"

namespace ofsck::cli {

namespace {

bool use_color(const CommonOptions& c) {
  if (c.color == "always") return true;
  if (c.color == "never") return false;
  return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr;
}

int exit_for(const check::CheckResult& r) {
  for (const auto& f : r.findings)
    if (f.severity == check::Severity::kError) return kExitFindings;
  return kExitOk;
}

class CheckCommand : public Command {
 public:
  explicit CheckCommand(CommonOptions& c) : c_(c) {}
  void setup(CLI::App& app) override {
    sub_ = app.add_subcommand(
        "check",
        "Predict, for every module (or the given files), which file wins, whether it loads, "
        "and what the kernel will print");
    add_common_options(sub_, c_);
    sub_->add_option("--only", c_.check.only,
                     "Limit verdicts to what `modprobe MOD...` would load (closure with softdeps)");
    sub_->add_option("files", c_.check.files,
                     "Module files to judge as `insmod FILE` after modprobe loaded their "
                     "dependencies from the tree");
  }
  int run() override {
    finish_options(c_);
    auto p = check::prepare(c_.check);
    if (!p) return report_error(p.error());
    prepared_ = std::move(*p);
    result_ = check::evaluate(*prepared_, c_.check);
    PhaseTimer timer;
    std::string out = c_.format == "json"
                          ? report::render_json(result_)
                          : report::render_text(result_, {use_color(c_), c_.verbose, true});
    std::fwrite(out.data(), 1, out.size(), stdout);
    timer.lap("report");
    return exit_for(result_);
  }

 private:
  CommonOptions& c_;
  // Kept until the process ends: see cli::run() (no teardown of the whole-tree model).
  std::optional<check::Prepared> prepared_;
  check::CheckResult result_;
};

class DepmodCommand : public Command {
 public:
  explicit DepmodCommand(CommonOptions& c) : c_(c) {}
  void setup(CLI::App& app) override {
    sub_ = app.add_subcommand(
        "depmod",
        "Print modules.dep exactly as kmod's depmod would write it for the root and kernel");
    sub_->add_option("--root,-b", c_.check.root, "Root of the system (like depmod -b)")
        ->default_val("/");
    sub_->add_flag("--literal-externals", literal_,
                   "Use `external` directories literally, not under --root (what depmod -b does)");
    sub_->add_option("kernel", c_.check.kver, "Kernel release");
  }
  int run() override {
    c_.check.verify_content = false;
    c_.check.trust.clear();
    c_.check.literal_externals = literal_;
    c_.check.skip_kernel_image = true;
    auto p = check::prepare(c_.check);
    if (!p) return report_error(p.error());
    const resolve::Resolution& r = p->resolution;
    if (resolve::has_dependency_cycle(r)) {
      // depmod_calculate_dependencies() fails: depmod prints its cycle report, writes nothing
      // and exits 1 (EXIT_FAILURE).
      for (const std::string& m : r.cycle_messages)
        std::fprintf(stderr, "depmod: ERROR: %s\n", m.c_str());
      if (r.cycle_messages.empty() || !r.cycle_messages.back().starts_with("Found "))
        std::fprintf(stderr, "ofsck: depmod's cycle report would not finish on this tree\n");
      return kExitFindings;
    }
    std::string out = resolve::render_modules_dep(r);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }

 private:
  CommonOptions& c_;
  bool literal_ = false;
};

class ExplainCommand : public Command {
 public:
  explicit ExplainCommand(CommonOptions& c) : c_(c) {}
  void setup(CLI::App& app) override {
    sub_ = app.add_subcommand("explain",
                              "Why this file wins for MODULE, its load order, what each import "
                              "binds to, and every other candidate");
    add_common_options(sub_, c_);
    sub_->add_option("module", module_, "Module name")->required();
  }
  int run() override;

 private:
  CommonOptions& c_;
  std::string module_;
};

/// Who ships the files `explain` names: the root's dpkg/RPM databases, through the same
/// ownership code as the findings of `check`.
class ExplainPackages {
 public:
  explicit ExplainPackages(const check::Prepared& p) : p_(p) {
    check::DiagnosticSink ignored;  // an unreadable database: `check` reports it (OFS304)
    db_ = check::load_packages(p, ignored);
  }
  static constexpr std::string_view kUnowned = "not owned by any package";
  /// "NAME_VERSION" / "NAME-VERSION-RELEASE", kUnowned, or "" without a database.
  std::string of(std::string_view path) const {
    if (!db_) return {};
    std::string l = check::package_of(p_, *db_, path);
    return l.empty() || l == check::kNoPackage ? std::string(kUnowned) : l;
  }
  /// " (package …)" or " (not owned by any package)" after a path; "" without a database.
  std::string suffix(std::string_view path) const {
    std::string s = of(path);
    if (s.empty()) return s;
    return s == kUnowned ? " (" + s + ")" : " (package " + s + ")";
  }
  bool have_db() const { return db_.has_value(); }

 private:
  const check::Prepared& p_;
  std::optional<read::PackageDb> db_;
};

/// The "decided by" line of a loss: the depmod.d line (the override, or the winner's search
/// entry) with its package, or depmod's built-in search order when no configuration line did.
std::string explain_decided_by(const resolve::Loser& l, const ExplainPackages& pk) {
  const SourceRef& w = l.decision.where;
  if (w.path.empty())
    return "    decided by: depmod's built-in search order (no configuration line)\n";
  return fmt::format("    decided by: {}{}{}\n", w.path,
                     w.line ? ":" + std::to_string(w.line) : "", pk.suffix(w.path));
}

int ExplainCommand::run() {
  finish_options(c_);
  c_.check.only = {module_};
  auto p = check::prepare(c_.check);
  if (!p) return report_error(p.error());
  const auto& res = p->resolution;
  auto it = res.module_by_name.find(model::normalize_name(module_));
  if (it == res.module_by_name.end()) {
    std::fprintf(stderr, "ofsck: error: module %s not found in %s\n", module_.c_str(),
                 p->module_dir.c_str());
    return kExitFindings;
  }
  const auto& m = res.modules[static_cast<size_t>(it->second)];
  const ExplainPackages pk(*p);
  std::string out;
  out += fmt::format("module {}\n  file: {}\n", m.name, res.files[m.file].path);
  out += pk.have_db() ? fmt::format("  package: {}\n", pk.of(res.files[m.file].path))
                      : "  package: unknown (the root has no dpkg or RPM database)\n";
  for (const auto& sel : res.selections) {
    if (sel.name != m.name) continue;
    out += fmt::format("  candidates ({}):\n", sel.candidates.size());
    for (uint32_t c : sel.candidates)
      out += fmt::format("    {}{}\n", res.files[c].relpath, pk.suffix(res.files[c].path));
    for (const auto& l : sel.losers) {
      out += fmt::format("  lost: {} — {}\n", res.files[l.file].relpath, l.reason);
      out += explain_decided_by(l, pk);
    }
    if (sel.tie) out += "  note: the winner depends on directory read order (tie)\n";
  }
  const auto& deps = res.deps[static_cast<size_t>(it->second)].all;
  out += "  load order (modprobe):";
  for (auto d = deps.rbegin(); d != deps.rend(); ++d)
    out += " " + res.modules[static_cast<size_t>(*d)].name;
  out += " " + m.name + "\n";
  auto r = check::evaluate(*p, c_.check);
  for (const auto& mr : r.modules) {
    if (mr.name != m.name) continue;
    out += fmt::format("  verdict: {}{}{}\n", mr.loads ? "loads" : "FAILS",
                       mr.loads ? "" : " (" + mr.errno_name + ")",
                       mr.failed_dependency.empty()
                           ? ""
                           : ": its dependency " + mr.failed_dependency + " fails");
    if (!mr.taints.empty()) out += fmt::format("  taints: {}\n", mr.taints);
    for (const auto& k : mr.kernel_messages)
      out += fmt::format("  kernel: {}{}\n", k.text, k.once_per_boot ? "  [once per boot]" : "");
  }
  if (m.module) {
    // Bindings: same simulation the verdict used.
    std::vector<check::LoadedModule> loaded;
    std::vector<std::unique_ptr<check::ExportIndex>> idx;
    for (int d : deps) {
      const auto& dm = res.modules[static_cast<size_t>(d)];
      if (!dm.module) continue;
      idx.push_back(std::make_unique<check::ExportIndex>(*dm.module));
      loaded.push_back({&*dm.module, idx.back().get(), check::kernel_module_name(*dm.module)});
    }
    check::SimOptions so;
    so.record_bindings = true;
    auto v = check::simulate_load(p->kernel, check::verify_signature(m.module->sig, p->kernel),
                                  *m.module, loaded, so);
    out += fmt::format("  signature: {}\n", v.sig.detail);
    out += "  imports:\n";
    for (const auto& b : v.bindings) {
      std::string crc = b.expected && b.actual
                            ? (*b.expected == *b.actual ? "CRC ok" : "CRC MISMATCH")
                            : (b.expected ? "no provider CRC" : "no __versions entry");
      out += fmt::format("    {} -> {} ({})\n", b.symbol, b.provider.empty() ? "(none)" : b.provider,
                         crc);
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

class ModinfoCommand : public Command {
 public:
  void setup(CLI::App& app) override {
    sub_ = app.add_subcommand("modinfo",
                              "Show what ofsck reads from module files (modinfo, imports with "
                              "CRCs, exports with GPL/namespace/CRC, signature)");
    sub_->add_option("files", files_, "Module files (.ko, .ko.xz, .ko.zst, .ko.gz)")->required();
    sub_->add_option("--format", format_, "Output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_val("text");
  }
  int run() override;

 private:
  std::vector<std::string> files_;
  std::string format_ = "text";
};

int ModinfoCommand::run() {
  int rc = kExitOk;
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& f : files_) {
    auto m = read::read_module(f);
    if (!m) {
      std::fprintf(stderr, "ofsck: error: %s\n", to_string(m.error()).c_str());
      rc = kExitInput;
      continue;
    }
    if (format_ == "json") {
      nlohmann::ordered_json j;
      j["file"] = f;
      nlohmann::ordered_json info = nlohmann::ordered_json::array();
      for (const auto& [k, v] : m->info.all) info.push_back({k, v});
      j["modinfo"] = info;
      nlohmann::ordered_json imps = nlohmann::ordered_json::array();
      for (const auto& i : m->imports)
        imps.push_back({{"name", i.name},
                        {"crc", i.crc ? nlohmann::ordered_json(*i.crc) : nlohmann::ordered_json()},
                        {"weak", i.weak}});
      j["imports"] = imps;
      nlohmann::ordered_json exps = nlohmann::ordered_json::array();
      for (const auto& e : m->exports)
        exps.push_back({{"name", e.name},
                        {"gpl_only", e.gpl_only},
                        {"namespace", e.ns},
                        {"crc", e.crc ? nlohmann::ordered_json(*e.crc) : nlohmann::ordered_json()}});
      j["exports"] = exps;
      j["export_era"] = m->export_era;
      j["signer"] = m->sig.signer;
      j["sig_key"] = m->sig.key_id;
      j["sig_hashalgo"] = m->sig.hash_algo;
      all.push_back(j);
      continue;
    }
    std::string out = fmt::format("filename:       {}\n", f);
    for (const auto& [k, v] : m->info.all) out += fmt::format("{:<15} {}\n", k + ":", v);
    if (m->sig.kind != model::SigKind::kNone) {
      out += fmt::format("{:<15} {}\n", "signer:", m->sig.signer);
      out += fmt::format("{:<15} {}\n", "sig_key:", m->sig.key_id);
      out += fmt::format("{:<15} {}\n", "sig_hashalgo:", m->sig.hash_algo);
    }
    out += fmt::format("{:<15} {}\n", "exports_era:", m->export_era);
    for (const auto& i : m->imports)
      if (i.crc) out += fmt::format("import:         0x{:08x}\t{}\n", *i.crc, i.name);
    for (const auto& e : m->exports)
      out += fmt::format("export:         {}\t{}\t{}{}\n",
                         e.crc ? fmt::format("0x{:08x}", *e.crc) : std::string("-"), e.name,
                         e.gpl_only ? "EXPORT_SYMBOL_GPL" : "EXPORT_SYMBOL",
                         e.ns.empty() ? "" : "\t" + e.ns);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  if (format_ == "json") std::puts(all.dump(2).c_str());
  return rc;
}

class RulesCommand : public Command {
 public:
  void setup(CLI::App& app) override {
    sub_ = app.add_subcommand("rules", "List every rule id with its severity and summary");
  }
  int run() override {
    for (const auto& r : check::rule_catalogue())
      std::printf("%s  %-8s %-26s %s\n", std::string(r.id).c_str(),
                  std::string(check::severity_name(r.severity)).c_str(),
                  std::string(r.name).c_str(), std::string(r.summary).c_str());
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> make_image_command(CommonOptions& c);  // image_command.cc
std::unique_ptr<Command> make_upgrade_command(CommonOptions& c);  // upgrade_command.cc
std::unique_ptr<Command> make_whatif_command(CommonOptions& c);  // whatif_command.cc

std::vector<std::unique_ptr<Command>> make_commands(CommonOptions& common) {
  std::vector<std::unique_ptr<Command>> v;
  v.push_back(std::make_unique<CheckCommand>(common));
  v.push_back(std::make_unique<ExplainCommand>(common));
  v.push_back(std::make_unique<DepmodCommand>(common));
  v.push_back(std::make_unique<ModinfoCommand>());
  v.push_back(std::make_unique<RulesCommand>());
  v.push_back(make_image_command(common));
  v.push_back(make_upgrade_command(common));
  v.push_back(make_whatif_command(common));
  return v;
}

}  // namespace ofsck::cli
