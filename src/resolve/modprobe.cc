// modprobe's name lookup and probe list (libkmod/libkmod-module.c, libkmod/libkmod.c). Each
// function names the libkmod function whose decision it reproduces.
#include "resolve/modprobe.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cstring>

#include "read/text/modprobe_conf.hpp"
#include "read/text/text_util.hpp"

namespace ofsck::resolve {

namespace {

bool glob_match(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

const std::vector<std::string>* deps_of(const ModprobeIndex& ix, const std::string& m) {
  return ix.module_deps ? ix.module_deps(m) : nullptr;
}

/// kmod_module_is_builtin(): modules.builtin.bin knows the name.
bool is_builtin(const ModprobeIndex& ix, const std::string& m) {
  return ix.builtin && ix.builtin().names.count(m) != 0;
}

LookupHit hit_for(const ModprobeIndex& ix, std::string module, SourceRef where = {}) {
  LookupHit h;
  h.exists = deps_of(ix, module) != nullptr;
  h.builtin = !h.exists && is_builtin(ix, module);
  h.module = std::move(module);
  h.where = std::move(where);
  return h;
}

/// kmod_lookup_alias_from_config(): every matching `alias` line, in parse order.
void from_config(const ModprobeIndex& ix, Lookup& l) {
  if (!ix.config) return;
  for (const model::ModprobeAlias& a : ix.config->aliases)
    if (glob_match(a.pattern, l.name)) l.hits.push_back(hit_for(ix, a.modname, a.where));
}

/// kmod_lookup_alias_from_commands(): the first `install` line naming it, else the first
/// `remove` line (exact name, "like modprobe from module-init-tools").
void from_commands(const ModprobeIndex& ix, Lookup& l) {
  if (!ix.config) return;
  for (const auto* list : {&ix.config->install, &ix.config->remove}) {
    for (const model::ModprobeCommand& c : *list) {
      if (c.modname != l.name) continue;
      LookupHit h = hit_for(ix, l.name, c.where);
      if (list == &ix.config->install) h.install = c.command;
      l.hits.push_back(std::move(h));
      return;
    }
  }
}

void from_aliases(const ModprobeIndex& ix, const std::vector<model::ModprobeAlias>& aliases,
                  bool builtin, Lookup& l) {
  for (const model::ModprobeAlias& a : aliases) {
    if (!glob_match(a.pattern, l.name)) continue;
    bool dup = std::any_of(l.hits.begin(), l.hits.end(),
                           [&](const LookupHit& h) { return h.module == a.modname; });
    if (dup) continue;
    LookupHit h = builtin ? LookupHit{a.modname, false, true, {}, a.where} : hit_for(ix, a.modname);
    l.hits.push_back(std::move(h));
  }
}

/// The install command that replaces insmod of `m` (install_line()).
std::string install_command(const ModprobeIndex& ix, const std::string& m) {
  const model::ModprobeCommand* c = install_line(ix, m);
  return c ? c->command : std::string();
}

/// __kmod_module_get_probe_list() and __kmod_module_fill_softdep() over names.
class Prober {
 public:
  Prober(const ModprobeIndex& ix, ProbeList& out) : ix_(ix), out_(out) {}

  /// __kmod_module_get_probe_list(mod, required, ignorecmd=false).
  void probe(const std::string& mod, const std::string& via, const SourceRef& where) {
    if (!visited_.insert(mod).second) return;  // "Ignore module: already visited"
    const std::vector<std::string>* deps = deps_of(ix_, mod);
    if (deps) {
      // kmod_module_get_dependencies() lists them in insertion order: the reverse of the
      // modules.dep line. A dependency's own softdeps come with it; it is not marked visited.
      for (auto it = deps->rbegin(); it != deps->rend(); ++it)
        fill_softdep(*it, "dependency of " + mod, {});
    }
    fill_softdep(mod, via, where);
  }

 private:
  /// __kmod_module_fill_softdep(): pre: probe lists, the module, post: probe lists.
  void fill_softdep(const std::string& mod, const std::string& via, const SourceRef& where) {
    const model::ModprobeSoftdep* sd = softdep_line(ix_, mod);
    if (sd) softdeps(*sd, mod, true);
    append(mod, via, where);
    if (sd) softdeps(*sd, mod, false);
  }

  /// lookup_softdep()/lookup_dep(): each name through kmod_module_new_from_lookup().
  void softdeps(const model::ModprobeSoftdep& sd, const std::string& of, bool pre) {
    for (const std::string& name : pre ? sd.pre : sd.post) {
      Lookup l = lookup_name(ix_, name);
      if (l.hits.empty()) {
        out_.unresolved.push_back({of, name, pre, sd.where});
        continue;
      }
      std::string via = std::string("softdep ") + (pre ? "pre: " : "post: ") + name + " of " + of;
      if (l.name != name || l.source != LookupSource::kModuleName)
        via += " (" + std::string(to_string(l.source)) + ")";
      for (const LookupHit& h : l.hits) probe(h.module, via, sd.where);
    }
  }

  void append(const std::string& mod, const std::string& via, const SourceRef& where) {
    if (!listed_.insert(mod).second) return;  // a second insert would be EEXIST, ignored
    ProbeStep s;
    s.module = mod;
    s.exists = deps_of(ix_, mod) != nullptr;
    s.builtin = !s.exists && is_builtin(ix_, mod);
    s.via = via;
    s.where = where;
    if (const model::ModprobeCommand* c = install_line(ix_, mod)) {
      s.install = c->command;
      s.install_where = c->where;
    }
    out_.steps.push_back(std::move(s));
  }

  const ModprobeIndex& ix_;
  ProbeList& out_;
  std::unordered_set<std::string> visited_, listed_;
};

std::string_view base_name(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

}  // namespace

std::string_view to_string(LookupSource s) {
  switch (s) {
    case LookupSource::kConfigAlias: return "modprobe.d alias";
    case LookupSource::kModuleName: return "modules.dep";
    case LookupSource::kSymbol: return "modules.symbols";
    case LookupSource::kCommand: return "modprobe.d install/remove command";
    case LookupSource::kModuleAlias: return "modules.alias";
    case LookupSource::kBuiltin: return "modules.builtin";
    case LookupSource::kBuiltinAlias: return "modules.builtin.modinfo alias";
    case LookupSource::kNotFound: return "not found";
  }
  return "not found";
}

Lookup lookup_name(const ModprobeIndex& ix, std::string_view name) {
  Lookup l;
  std::optional<std::string> norm = read::kmod_alias_normalize(name);
  // alias_normalize() failing is -EINVAL: modprobe reports the name as not found.
  if (!norm) {
    l.name = std::string(name);
    return l;
  }
  l.name = std::move(*norm);
  from_config(ix, l);
  if (!l.hits.empty()) {
    l.source = LookupSource::kConfigAlias;
    return l;
  }
  // kmod_lookup_alias_from_moddep_file()
  if (deps_of(ix, l.name)) {
    l.source = LookupSource::kModuleName;
    l.hits.push_back(hit_for(ix, l.name));
    return l;
  }
  // kmod_lookup_alias_from_symbols_file(): only "symbol:" names are in modules.symbols.
  if (l.name.rfind("symbol:", 0) == 0 && ix.symbol_owner) {
    std::string owner = ix.symbol_owner(l.name.substr(7));
    if (!owner.empty()) {
      l.source = LookupSource::kSymbol;
      l.hits.push_back(hit_for(ix, owner));
      return l;
    }
  }
  from_commands(ix, l);
  if (!l.hits.empty()) {
    l.source = LookupSource::kCommand;
    return l;
  }
  if (ix.module_aliases) from_aliases(ix, ix.module_aliases(), false, l);
  if (!l.hits.empty()) {
    l.source = LookupSource::kModuleAlias;
    return l;
  }
  if (is_builtin(ix, l.name)) {
    l.source = LookupSource::kBuiltin;
    l.hits.push_back(LookupHit{l.name, false, true, {}, {}});
    return l;
  }
  if (ix.builtin) from_aliases(ix, ix.builtin().aliases, true, l);
  if (!l.hits.empty()) l.source = LookupSource::kBuiltinAlias;
  return l;
}

const model::ModprobeCommand* install_line(const ModprobeIndex& ix, const std::string& module) {
  if (!ix.config) return nullptr;
  const model::ModprobeCommand* line = nullptr;
  for (const model::ModprobeCommand& c : ix.config->install)
    if (glob_match(c.modname, module)) {
      line = &c;  // "find only the first command, as modprobe from module-init-tools does"
      break;
    }
  if (!line) return nullptr;
  // __kmod_module_fill_softdep(): mod->ignorecmd = (pre != NULL || post != NULL), the lists of
  // modules its softdep names found.
  if (const model::ModprobeSoftdep* sd = softdep_line(ix, module))
    for (const auto* names : {&sd->pre, &sd->post})
      for (const std::string& n : *names)
        if (!lookup_name(ix, n).hits.empty()) return nullptr;
  return line;
}

const model::ModprobeSoftdep* softdep_line(const ModprobeIndex& ix, const std::string& module) {
  for (const model::ModprobeSoftdep& sd : ix.softdeps)
    if (glob_match(sd.modname, module)) return &sd;  // "find only the first command"
  return nullptr;
}

ProbeList probe_list(const ModprobeIndex& ix, std::string_view name) {
  return probe_lookup(ix, lookup_name(ix, name));
}

ProbeList probe_module(const ModprobeIndex& ix, const std::string& module) {
  Lookup l;
  l.name = module;
  l.source = LookupSource::kModuleName;
  l.hits.push_back(hit_for(ix, module));
  return probe_lookup(ix, std::move(l));
}

ProbeList probe_lookup(const ModprobeIndex& ix, Lookup lookup) {
  ProbeList out;
  out.lookup = std::move(lookup);
  Prober prober(ix, out);
  for (LookupHit& h : out.lookup.hits) {
    h.install = install_command(ix, h.module);
    std::string via = out.lookup.source == LookupSource::kModuleName
                          ? std::string()
                          : std::string(to_string(out.lookup.source)) + " " + out.lookup.name;
    prober.probe(h.module, via, h.where);
  }
  // kmod_module_probe_insert_module() sets ->required on the target and its dependencies;
  // errors of every other entry (softdeps) are ignored.
  std::unordered_set<std::string> required;
  for (const LookupHit& h : out.lookup.hits) {
    required.insert(h.module);
    if (const std::vector<std::string>* d = deps_of(ix, h.module))
      required.insert(d->begin(), d->end());
  }
  for (ProbeStep& s : out.steps) s.required = required.count(s.module) != 0;
  return out;
}

std::vector<model::ModprobeSoftdep> effective_softdeps(
    const model::ModprobeConfig& config, const std::string& module_dir,
    const std::vector<std::pair<std::string, std::string>>& depmod_softdeps, bool keep_on_disk) {
  const std::string on_disk = module_dir + "/modules.softdep";
  const bool have_on_disk =
      std::any_of(config.files.begin(), config.files.end(),
                  [&](const model::ConfigFile& f) { return f.display_path == on_disk; });
  if (keep_on_disk && have_on_disk) return config.softdeps;
  // output_softdeps(): "softdep <modname> <value>" per softdep= value, parsed by modprobe like
  // any config line.
  std::string text;
  for (const auto& [mod, value] : depmod_softdeps) text += "softdep " + mod + " " + value + "\n";
  model::ModprobeConfig depmod;
  model::ConfigFile file;
  file.path = file.display_path = on_disk;
  read::parse_modprobe_conf(text, file, depmod, config.kmod_version.major);
  std::vector<model::ModprobeSoftdep> out;
  bool placed = false;
  for (const model::ModprobeSoftdep& sd : config.softdeps) {
    if (sd.where.path == on_disk) continue;
    // conf_files_insert_sorted(): files are parsed in strcmp order of their basenames.
    if (!placed &&
        std::strcmp(std::string(base_name(sd.where.path)).c_str(), "modules.softdep") > 0) {
      out.insert(out.end(), depmod.softdeps.begin(), depmod.softdeps.end());
      placed = true;
    }
    out.push_back(sd);
  }
  if (!placed) out.insert(out.end(), depmod.softdeps.begin(), depmod.softdeps.end());
  return out;
}

}  // namespace ofsck::resolve
