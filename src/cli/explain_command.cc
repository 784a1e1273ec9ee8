// `ofsck explain MODULE`: gathers why a file wins, the load order, the verdict and what each
// import binds to; report/explain renders it.
#include <fmt/format.h>
#include <fnmatch.h>

#include <cstdio>

#include "check/alias_options.hpp"
#include "check/boot.hpp"
#include "check/effective_options.hpp"
#include "check/explain_cause.hpp"
#include "check/modprobe_closure.hpp"
#include "check/param_value.hpp"
#include "check/rules/packages.hpp"
#include "cli/commands.hpp"
#include "cli/exit_status.hpp"
#include "report/escape.hpp"
#include "report/explain.hpp"
#include "report/suppress.hpp"

namespace ofsck::cli {

namespace {

/// Who ships the files `explain` names: the root's dpkg/RPM databases as prepare() read them
/// (an unreadable one: `check` reports it, OFS304), through the same ownership code as the
/// findings of `check`.
class ExplainPackages {
 public:
  explicit ExplainPackages(const check::Node& p) : p_(p) {}
  /// "NAME_VERSION" / "NAME-VERSION-RELEASE", report::kNotOwned, or "" without a database.
  std::string of(std::string_view path) const {
    if (!p_.packages) return {};
    std::string l = check::package_of(p_, *p_.packages, path);
    return l.empty() || l == check::kNoPackage ? std::string(report::kNotOwned) : l;
  }
  bool have_db() const { return p_.packages.has_value(); }

 private:
  const check::Node& p_;
};

/// The candidates and losses of every selection of `name`, with their packages.
std::vector<report::Explanation::Selection> selections_of(const resolve::Resolution& res,
                                                          std::string_view name,
                                                          const ExplainPackages& pk) {
  std::vector<report::Explanation::Selection> out;
  for (const auto& sel : res.selections) {
    if (sel.name != name) continue;
    report::Explanation::Selection& s = out.emplace_back();
    for (uint32_t c : sel.candidates)
      s.candidates.push_back({res.files[c].relpath, pk.of(res.files[c].path)});
    for (const auto& l : sel.losers) {
      const SourceRef& w = l.decision.where;
      s.losses.push_back(
          {res.files[l.file].relpath, l.reason, w, w.path.empty() ? std::string() : pk.of(w.path)});
    }
    s.tie = sel.tie;
  }
  return out;
}

/// The signature verdict and every import's binding, from the same simulation the verdict
/// used: module `i` loaded after its modules.dep list (check::Boot::explain()).
report::Explanation::Linkage link(const check::Node& p, size_t i) {
  check::Boot b(p);
  auto v = b.explain(i);
  return {v.sig.detail, std::move(v.bindings)};
}

/// The options modprobe passes to `name`, each as the kernel judges it.
std::vector<report::Explanation::Option> options_of(const check::Node& p, const std::string& name,
                                                    const model::ModuleFile* mf) {
  std::vector<report::Explanation::Option> out;
  const auto opts = check::effective_options(p, name);
  const model::ModuleFile none;
  for (const auto& v :
       check::judge_options(opts, mf ? *mf : none, name, {p.kernel.major, p.kernel.minor})) {
    report::Explanation::Option& o = out.emplace_back();
    o.param = v.option.param;
    o.value = v.option.value;
    o.has_value = v.option.has_value;
    o.type = v.type;
    o.status = std::string(check::status_name(v.status));
    o.where = v.option.where;
    if (v.rejection)
      o.detail = fmt::format("{}; the load fails ({})", v.rejection->why, v.rejection->errno_name);
    else if (v.status == check::OptionVerdict::Status::kUnknown)
      o.detail = fmt::format("\"{}: unknown parameter '{}' ignored\"", name, o.param);
    else if (v.type.starts_with("array of") && v.option.has_value)
      o.detail = check::array_count_text(v.option.kernel_value, v.array_max);
  }
  return out;
}

/// What a `blacklist NAME` line stops: kmod applies it only to a module found through an alias
/// (kmod_module_probe_insert_module(): KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, always set by
/// modprobe), never to the probe list's dependencies and softdeps.
std::string blacklist_effect(const check::Node& p, size_t i) {
  const auto& res = p.resolution;
  const std::vector<std::string> needers = check::hard_dependents(p, i);
  std::string out =
      "blacklist applies only to alias lookups: udev's modalias loads and `modprobe ALIAS` skip "
      "it, `modprobe " +
      res.modules[i].name + "` by name still inserts it";
  if (needers.empty()) return out + "; no module of this tree has a hard dependency on it";
  std::string list;
  for (size_t k = 0; k < needers.size() && k < 8; ++k) list += (k ? ", " : "") + needers[k];
  if (needers.size() > 8) list += ", ...";
  return out + fmt::format("; it still loads as a hard dependency of {} module{} ({})",
                           needers.size(), needers.size() == 1 ? "" : "s", list);
}

/// `options NAME` lines for an alias NAME of `module`, and when kmod passes them.
std::vector<report::Explanation::AliasOption> alias_options_of(const check::Node& p,
                                                               const check::ModprobeView& view,
                                                               const std::string& module) {
  std::vector<report::Explanation::AliasOption> out;
  for (auto& a : check::alias_options(view, p.modprobe_config, p.cmdline, module)) {
    const std::string how =
        a.alias_where.path.empty()
            ? fmt::format("`modprobe {}` finds {} through {}", a.name, module,
                          resolve::to_string(a.via))
            : fmt::format("`modprobe {}` finds {} through `alias {} {}` ({}:{})", a.name, module,
                          a.mod_alias, module, a.alias_where.path, a.alias_where.line);
    std::string detail =
        a.reaches ? fmt::format("{}: passed only then, not when {} loads by its name, as a "
                                "dependency or softdep, or through another alias (modalias)",
                                how, module)
                  : fmt::format("never passed: {}, and kmod matches options against that "
                                "alias's own name `{}`, not `{}`",
                                how, a.mod_alias, a.name);
    out.push_back({a.name, a.text, a.reaches, std::move(detail), std::move(a.lines)});
  }
  return out;
}

/// modprobe.d and the kernel command line about module `i`.
report::Explanation::Config config_of(const check::Node& p, size_t i) {
  const auto& m = p.resolution.modules[i];
  const model::ModuleFile* mf = m.module ? &*m.module : nullptr;
  const auto& cfg = p.modprobe_config;
  report::Explanation::Config c;
  c.option_string = check::modprobe_option_string(cfg, p.cmdline, m.name);
  c.options = options_of(p, m.name, mf);
  const check::ModprobeView view(p);
  c.alias_options = alias_options_of(p, view, m.name);
  for (const auto& x : cfg.install)
    if (x.modname == m.name) c.install.push_back({x.command, x.where});
  for (const auto& x : cfg.remove)
    if (x.modname == m.name) c.remove.push_back({x.command, x.where});
  for (const auto& b : cfg.blacklist)
    if (b.modname == m.name) c.blacklist.push_back(b.where);
  if (!c.blacklist.empty()) c.blacklist_effect = blacklist_effect(p, i);
  const model::ModprobeSoftdep* used = check::modprobe_softdep_line(view, m.name);
  for (const auto& sd : view.index().softdeps)
    if (fnmatch(sd.modname.c_str(), m.name.c_str(), 0) == 0)
      c.softdeps.push_back({sd.pre, sd.post, sd.where, &sd == used});
  for (const auto& wd : cfg.weakdeps)
    if (fnmatch(wd.modname.c_str(), m.name.c_str(), 0) == 0)
      c.weakdeps.push_back({wd.deps, {}, wd.where, false});
  return c;
}

/// --ignore and --baseline over the findings of the module's load (`check --only MODULE`'s):
/// counted into `e`; a failure whose every error finding is suppressed is accepted, as
/// `check` exits 0 for it.
void accept_suppressed(const CommonOptions& c, check::CheckResult& r, report::Explanation& e) {
  const bool had_errors = exit_for(r.findings) != kExitOk;
  report::suppress(r, c.ignore_rules, baseline_of(c));
  e.suppressed = r.suppressed;
  e.failure_accepted = !e.loads() && had_errors && exit_for(r.findings) == kExitOk;
}

}  // namespace

int run_explain(Args& a) {
  CommonOptions& c = a.common;
  finish_options(c);
  if (int rc = refuse_baseline_writing(c, "explain")) return rc;
  c.node.eo.only = {a.module};
  c.node.rs.modprobe_indexes = true;
  auto p = check::prepare(c.node.spec, c.node.rs);
  if (!p) return report_error(p.error());
  if (empty_tree_status(*p) != kExitOk) return kExitInput;
  const auto& res = p->resolution;
  auto it = res.module_by_name.find(model::normalize_name(a.module));
  if (it == res.module_by_name.end()) {
    std::fprintf(stderr, "ofsck: error: module %s not found in %s\n",
                 report::escape(a.module).c_str(), report::escape(p->module_dir).c_str());
    return kExitFindings;
  }
  const auto& m = res.modules[static_cast<size_t>(it->second)];
  const ExplainPackages pk(*p);
  report::Explanation e;
  e.module = m.name;
  e.file = res.files[m.file].path;
  e.root = p->root.empty() ? "/" : p->root;
  e.have_package_db = pk.have_db();
  e.package = pk.of(e.file);
  e.selections = selections_of(res, m.name, pk);
  const auto& deps = res.deps[static_cast<size_t>(it->second)].all;
  for (auto d = deps.rbegin(); d != deps.rend(); ++d)
    e.load_order.push_back(res.modules[static_cast<size_t>(*d)].name);
  e.load_order.push_back(m.name);
  check::CheckResult r = check::evaluate(*p, c.node.eo);
  if (p->verified_signatures) p->verified_signatures->save();
  for (auto& mr : r.modules)
    if (mr.name == m.name) e.verdicts.push_back(std::move(mr));
  accept_suppressed(c, r, e);
  if (m.module) e.linkage = link(*p, static_cast<size_t>(it->second));
  e.config = config_of(*p, static_cast<size_t>(it->second));
  write_text(c.format == "json" ? report::render_explain_json(e) : report::render_explain_text(e));
  return e.loads() || e.failure_accepted ? kExitOk : kExitFindings;
}

void explain_options(CLI::App* sub, Args& a) {
  sub->add_option("module", a.module, "Module name")->required();
}

}  // namespace ofsck::cli
