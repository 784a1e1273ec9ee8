#include "read/text/depmod_conf.hpp"

#include <fmt/format.h>
#include <regex.h>

#include <cstring>

#include "read/text/config_files.hpp"
#include "read/text/ere_cost.hpp"
#include "read/text/text_util.hpp"

namespace ofsck::read {

KverMatch depmod_kver_match(std::string_view pattern, std::string_view kver, EreCost* cost) {
  if (pattern == "*") return KverMatch::kMatch;  // "old style"
  EreCost c = estimate_ere_cost(pattern);
  if (cost) *cost = c;
  if (!ere_within_budget(c)) return KverMatch::kTooComplex;
  std::string pat(pattern), ver(kver);
  regex_t re;
  if (regcomp(&re, pat.c_str(), REG_EXTENDED | REG_NOSUB) != 0) return KverMatch::kBadRegex;
  int status = regexec(&re, ver.c_str(), 0, nullptr, 0);
  regfree(&re);
  return status == 0 ? KverMatch::kMatch : KverMatch::kNoMatch;
}

namespace {

SourceRef ref(const model::ConfigFile& f, const LogicalLine& l) {
  return line_ref(f.display_path, l.at());
}

void bad_line(model::DepmodConfig& out, const model::ConfigFile& f, const LogicalLine& l,
              std::string_view cmd, std::string why) {
  out.problems.push_back(make_problem("bad-line", f.display_path, l.at(), std::move(why),
                                      fmt::format("{}:{}: ignoring bad line starting with '{}'",
                                                  f.display_path, l.last_line, cmd)));
}

/// The pattern's verdict for `kver`; a refused or invalid pattern becomes a problem.
bool kver_matches(model::DepmodConfig& out, const model::ConfigFile& f, const LogicalLine& l,
                  std::string_view cmd, std::string_view pattern, std::string_view kver) {
  EreCost cost;
  KverMatch m = depmod_kver_match(pattern, kver, &cost);
  if (m == KverMatch::kBadRegex)
    out.problems.push_back(
        make_problem("bad-regex", f.display_path, l.at(),
                     fmt::format("{} kernel pattern '{}' is not a valid POSIX extended regex; "
                                 "depmod treats it as not matching",
                                 cmd, printable(pattern))));
  if (m == KverMatch::kTooComplex) {
    std::string why =
        cost.max_depth > kEreMaxDepth ? fmt::format("nests groups {} deep", cost.max_depth)
        : cost.backrefs > kEreMaxBackrefs
            ? fmt::format("needs {} back-reference matches", cost.backrefs)
            : fmt::format("expands to about {} regex nodes (stacked repetition such as "
                          "'x+++' or 'x{{0,5000}}')",
                          cost.nodes >= (uint64_t{1} << 62) ? std::string("2^62 or more")
                                                            : std::to_string(cost.nodes));
    out.problems.push_back(make_problem(
        "regex-too-complex", f.display_path, l.at(),
        fmt::format("{} kernel pattern '{}' {}: glibc's regcomp(), which depmod uses, would "
                    "exhaust memory or time on it (depmod is killed, or regcomp() fails and "
                    "the line counts as not matching); ofsck did not compile it and treats "
                    "it as not matching",
                    cmd, printable(pattern), why)));
  }
  return m == KverMatch::kMatch;
}

}  // namespace

void parse_depmod_conf(std::string_view data, const model::ConfigFile& file, std::string_view kver,
                       model::DepmodConfig& out) {
  for (ConfigLines lines(data, file, out.problems); lines.next();) {
    const LogicalLine& l = lines.line();
    Strtok& tok = lines.tok();
    std::optional<std::string_view> cmd = tok.next();
    if (!cmd) continue;
    if (*cmd == "search") {
      while (std::optional<std::string_view> sp = tok.next())
        out.search.push_back({std::string(*sp), ref(file, l)});
    } else if (*cmd == "override") {
      std::optional<std::string_view> mod = tok.next(), ver = tok.next(), sub = tok.next();
      if (!mod || !ver || !sub) {
        bad_line(out, file, l, *cmd, "override needs <modname> <kver> <subdir>");
        continue;
      }
      model::DepmodOverride o;
      o.modname = std::string(*mod);
      o.kver = std::string(*ver);
      o.subdir = std::string(*sub);
      o.kver_matches = kver_matches(out, file, l, "override", *ver, kver);
      o.where = ref(file, l);
      out.overrides.push_back(std::move(o));
    } else if (*cmd == "external") {
      std::optional<std::string_view> ver = tok.next(), dir = tok.next();
      if (!ver || !dir) {
        bad_line(out, file, l, *cmd, "external needs <kver> <absolute dir>");
        continue;
      }
      model::DepmodExternal e;
      e.kver = std::string(*ver);
      e.dir = std::string(*dir);
      e.kver_matches = kver_matches(out, file, l, "external", *ver, kver);
      e.where = ref(file, l);
      out.externals.push_back(std::move(e));
    } else if (*cmd == "exclude") {
      while (std::optional<std::string_view> sp = tok.next())
        out.excludes.push_back({std::string(*sp), ref(file, l)});
    } else if (*cmd == "include" || *cmd == "make_map_files") {
      // kmod logs "command %s not implemented yet" at INFO level only.
      out.problems.push_back(
          make_problem("ignored-command", file.display_path, l.at(),
                       fmt::format("depmod accepts but ignores '{}' (not implemented)", *cmd)));
    } else {
      bad_line(out, file, l, *cmd, fmt::format("unknown depmod.d command '{}'", printable(*cmd)));
    }
  }
}

model::DepmodConfig load_depmod_config(const DepmodLoadOptions& opts) {
  model::DepmodConfig cfg;
  CollectOptions co;
  co.flavor = ConfigFlavor::kDepmod;
  co.kmod_version = opts.kmod_version;
  load_config_files(
      opts.root, opts.paths, co, cfg.files, cfg.problems,
      [&](std::string_view data, const model::ConfigFile& f) {
        parse_depmod_conf(data, f, opts.kver, cfg);
      },
      [](const model::ConfigFile& f, const Error& e) {
        std::string why = e.message;
        if (why.starts_with("cannot open: ")) why.erase(0, std::strlen("cannot open: "));
        return make_problem("unreadable", f.display_path, 0,
                            "config file cannot be read: " + e.message,
                            fmt::format("file parse {}: {}", f.display_path, why));
      });
  if (cfg.search.empty()) {
    // cfg_load(): "For backward compatibility add 'updates' ... only if there was no search
    // option specified." A bare "search" line with no words adds nothing and so still counts
    // as none.
    cfg.search_defaulted = true;
    cfg.search.push_back({"updates", SourceRef{}});
  }
  return cfg;
}

}  // namespace ofsck::read
