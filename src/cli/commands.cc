#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"
#include "check/rules/packages.hpp"
#include "check/signature_check.hpp"
#include "read/module_reader.hpp"
#include "report/escape.hpp"
#include "report/json_dump.hpp"
#include "report/render.hpp"
#include "resolve/deps.hpp"
#include "util/timing.hpp"

namespace ofsck::cli {

namespace {

using report::esc;

bool use_color(const CommonOptions& c) {
  if (c.color == "always") return true;
  if (c.color == "never") return false;
  return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr;
}

/// True for an --only value that can only be a module file: module names are file names with
/// the suffix cut at the first '.', so they hold no '/' and never end in ".ko".
bool names_module_file(std::string_view v) {
  return v.find('/') != std::string_view::npos || v.ends_with(".ko") || v.ends_with(".ko.xz") ||
         v.ends_with(".ko.zst") || v.ends_with(".ko.gz");
}

/// CLI11 gives every word after `--only` to it (it takes several values), files included: move
/// those to the positional files, keeping their order.
void split_only_files(std::vector<std::string>& only, std::vector<std::string>& files) {
  std::vector<std::string> names;
  for (auto& v : only) {
    if (v.empty()) continue;  // "--only a,,b"
    (names_module_file(v) ? files : names).push_back(std::move(v));
  }
  only = std::move(names);
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
                     "Limit verdicts to what `modprobe MOD...` would load (closure with "
                     "softdeps). Names are separated by spaces or commas (--only ib_core,mlx5_ib). "
                     "A value with a '/' or ending in .ko, .ko.xz, .ko.zst or .ko.gz is a module "
                     "file, not a name, so `--only ib_core ./x.ko` and `./x.ko --only ib_core` "
                     "are the same")
        ->delimiter(',');
    sub_->add_option("files", c_.check.files,
                     "Module files to judge as `insmod FILE` after modprobe loaded their "
                     "dependencies from the tree (a FILE given right after --only needs a '/' "
                     "or a .ko suffix, see --only)");
  }
  int run() override {
    finish_options(c_);
    split_only_files(c_.check.only, c_.check.files);
    auto p = check::prepare(c_.check);
    if (!p) return report_error(p.error());
    prepared_ = std::move(*p);
    result_ = check::evaluate(*prepared_, c_.check);
    PhaseTimer timer;
    std::string out = c_.format == "json"
                          ? report::render_json(result_)
                          : report::render_text(result_, {use_color(c_), c_.verbose, true});
    write_text(out);
    timer.lap("report");
    return exit_for(result_);
  }

 private:
  CommonOptions& c_;
  // Kept until the process ends: see cli::run() (no teardown of the whole-tree model).
  std::optional<check::Prepared> prepared_;
  check::CheckResult result_;
};

/// Every line of `text` through report::escape(), newlines kept.
std::string escape_lines(std::string_view text) {
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = std::min(text.find('\n', pos), text.size());
    out += report::escape(text.substr(pos, nl - pos));
    if (nl < text.size()) out += '\n';
    pos = nl + 1;
  }
  return out;
}

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
        std::fprintf(stderr, "depmod: ERROR: %s\n", report::escape(m).c_str());
      if (r.cycle_messages.empty() || !r.cycle_messages.back().starts_with("Found "))
        std::fprintf(stderr, "ofsck: depmod's cycle report would not finish on this tree\n");
      return kExitFindings;
    }
    std::string out = resolve::render_modules_dep(r);
    // Byte for byte what depmod writes into a pipe or file; on a terminal, escaped.
    if (isatty(STDOUT_FILENO)) out = escape_lines(out);
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
  return fmt::format("    decided by: {}{}{}\n", report::esc(w.path),
                     w.line ? ":" + std::to_string(w.line) : "", report::esc(pk.suffix(w.path)));
}

int ExplainCommand::run() {
  finish_options(c_);
  c_.check.only = {module_};
  auto p = check::prepare(c_.check);
  if (!p) return report_error(p.error());
  const auto& res = p->resolution;
  auto it = res.module_by_name.find(model::normalize_name(module_));
  if (it == res.module_by_name.end()) {
    std::fprintf(stderr, "ofsck: error: module %s not found in %s\n",
                 report::escape(module_).c_str(), report::escape(p->module_dir).c_str());
    return kExitFindings;
  }
  const auto& m = res.modules[static_cast<size_t>(it->second)];
  const ExplainPackages pk(*p);
  std::string out;
  out += fmt::format("module {}\n  file: {}\n", esc(m.name), esc(res.files[m.file].path));
  out += pk.have_db() ? fmt::format("  package: {}\n", esc(pk.of(res.files[m.file].path)))
                      : "  package: unknown (the root has no dpkg or RPM database)\n";
  for (const auto& sel : res.selections) {
    if (sel.name != m.name) continue;
    out += fmt::format("  candidates ({}):\n", sel.candidates.size());
    for (uint32_t c : sel.candidates)
      out += fmt::format("    {}{}\n", esc(res.files[c].relpath), esc(pk.suffix(res.files[c].path)));
    for (const auto& l : sel.losers) {
      out += fmt::format("  lost: {} — {}\n", esc(res.files[l.file].relpath), esc(l.reason));
      out += explain_decided_by(l, pk);
    }
    if (sel.tie) out += "  note: the winner depends on directory read order (tie)\n";
  }
  const auto& deps = res.deps[static_cast<size_t>(it->second)].all;
  out += "  load order (modprobe):";
  for (auto d = deps.rbegin(); d != deps.rend(); ++d)
    out += " " + report::escape(res.modules[static_cast<size_t>(*d)].name);
  out += " " + report::escape(m.name) + "\n";
  auto r = check::evaluate(*p, c_.check);
  for (const auto& mr : r.modules) {
    if (mr.name != m.name) continue;
    out += fmt::format("  verdict: {}{}{}\n", mr.loads ? "loads" : "FAILS",
                       mr.loads ? "" : " (" + report::escape(mr.errno_name) + ")",
                       mr.failed_dependency.empty()
                           ? ""
                           : ": its dependency " + report::escape(mr.failed_dependency) + " fails");
    if (!mr.taints.empty()) out += fmt::format("  taints: {}\n", esc(mr.taints));
    for (const auto& k : mr.kernel_messages)
      out += fmt::format("  kernel: {}{}\n", esc(k.text), k.once_per_boot ? "  [once per boot]" : "");
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
    out += fmt::format("  signature: {}\n", esc(v.sig.detail));
    out += "  imports:\n";
    for (const auto& b : v.bindings) {
      std::string crc = b.expected && b.actual
                            ? (*b.expected == *b.actual ? "CRC ok" : "CRC MISMATCH")
                            : (b.expected ? "no provider CRC" : "no __versions entry");
      out += fmt::format("    {} -> {} ({})\n", esc(b.symbol),
                         b.provider.empty() ? "(none)" : report::escape(b.provider), crc);
    }
  }
  write_text(out);
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
      std::fprintf(stderr, "ofsck: error: %s\n", report::escape(to_string(m.error())).c_str());
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
    std::string out = fmt::format("filename:       {}\n", esc(f));
    for (const auto& [k, v] : m->info.all)
      out += fmt::format("{:<15} {}\n", report::escape(k) + ":", esc(v));
    if (m->sig.kind != model::SigKind::kNone) {
      out += fmt::format("{:<15} {}\n", "signer:", esc(m->sig.signer));
      out += fmt::format("{:<15} {}\n", "sig_key:", esc(m->sig.key_id));
      out += fmt::format("{:<15} {}\n", "sig_hashalgo:", esc(m->sig.hash_algo));
    }
    out += fmt::format("{:<15} {}\n", "exports_era:", esc(m->export_era));
    for (const auto& i : m->imports)
      if (i.crc) out += fmt::format("import:         0x{:08x}\t{}\n", *i.crc, esc(i.name));
    for (const auto& e : m->exports)
      out += fmt::format("export:         {}\t{}\t{}{}\n",
                         e.crc ? fmt::format("0x{:08x}", *e.crc) : std::string("-"), esc(e.name),
                         e.gpl_only ? "EXPORT_SYMBOL_GPL" : "EXPORT_SYMBOL",
                         e.ns.empty() ? "" : "\t" + report::escape(e.ns));
    write_text(out);
  }
  if (format_ == "json") write_text(report::dump_json(std::move(all)));
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
