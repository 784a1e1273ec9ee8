#include "read/text/modprobe_conf.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "read/text/config_files.hpp"
#include "read/text/text_util.hpp"

namespace ofsck::read {
namespace {

bool c_isspace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

SourceRef ref(const model::ConfigFile& f, const LogicalLine& l) {
  return line_ref(f.display_path, l.at());
}

void bad_line(model::ModprobeConfig& out, const model::ConfigFile& f, const LogicalLine& l,
              std::string_view cmd, std::string why) {
  out.problems.push_back(
      make_problem("bad-line", f.display_path, l.at(), std::move(why),
                   fmt::format("{} line {}: ignoring bad line starting with '{}'", f.display_path,
                               l.last_line, cmd)));
}

}  // namespace

std::vector<std::string> kmod_softdep_tokens(std::string_view line) {
  // Literal port of the scanning loop in kmod_config_add_softdep() (kmod 30): `p` marks the
  // token start and is only advanced past a blank that follows another blank or a token.
  std::vector<std::string> out;
  size_t p = 0;
  bool was_space = false;
  for (size_t s = 0;; ++s) {
    bool at_end = s >= line.size();
    if (!at_end) {
      if (!c_isspace(line[s])) {
        was_space = false;
        continue;
      }
      if (was_space) {
        p = s + 1;
        continue;
      }
      was_space = true;
      if (p >= s) continue;
    }
    if (!at_end || !was_space) {
      if (s > p) out.emplace_back(line.substr(p, s - p));
    }
    p = s + 1;
    if (at_end) break;
  }
  return out;
}

void parse_modprobe_conf(std::string_view data, const model::ConfigFile& file,
                         model::ModprobeConfig& out, int kmod_version) {
  for (ConfigLines lines(data, file, out.problems); lines.next();) {
    const LogicalLine& l = lines.line();
    Strtok& tok = lines.tok();
    std::optional<std::string_view> cmd = tok.next();
    if (!cmd) continue;
    SourceRef where = ref(file, l);
    // underscores(NULL) fails in kmod, so a missing name is a bad line like a bad bracket.
    auto name = [](std::optional<std::string_view> t) -> std::optional<std::string> {
      if (!t) return std::nullopt;
      return kmod_underscores(*t);
    };
    if (*cmd == "alias") {
      std::optional<std::string> alias = name(tok.next()), mod = name(tok.next());
      if (!alias || !mod) {
        bad_line(out, file, l, *cmd, "alias needs <wildcard> <modname> with balanced [...]");
        continue;
      }
      out.aliases.push_back({std::move(*alias), std::move(*mod), where});
    } else if (*cmd == "blacklist") {
      std::optional<std::string> mod = name(tok.next());
      if (!mod) {
        bad_line(out, file, l, *cmd, "blacklist needs <modname>");
        continue;
      }
      out.blacklist.push_back({std::move(*mod), where});
    } else if (*cmd == "options" || *cmd == "install" || *cmd == "remove" || *cmd == "softdep" ||
               (*cmd == "weakdep" && kmod_version >= 33)) {
      std::optional<std::string> mod = name(tok.next());
      std::optional<std::string_view> rest = tok.rest();
      if (!mod || !rest) {
        bad_line(out, file, l, *cmd,
                 fmt::format("{} needs <modname> and at least one more word", *cmd));
        continue;
      }
      if (*cmd == "options") {
        std::string opts(*rest);
        std::replace(opts.begin(), opts.end(), '\t', ' ');  // kmod_config_add_options()
        out.options.push_back({std::move(*mod), std::move(opts), where});
      } else if (*cmd == "install") {
        out.install.push_back({std::move(*mod), std::string(*rest), where});
      } else if (*cmd == "remove") {
        out.remove.push_back({std::move(*mod), std::string(*rest), where});
      } else if (*cmd == "softdep") {
        model::ModprobeSoftdep sd;
        sd.modname = std::move(*mod);
        sd.where = where;
        enum { kNone, kPre, kPost } mode = kNone;
        size_t dropped = 0;
        for (std::string& t : kmod_softdep_tokens(*rest)) {
          if (t == "pre:") mode = kPre;
          else if (t == "post:") mode = kPost;
          else if (mode == kPre) sd.pre.push_back(std::move(t));
          else if (mode == kPost) sd.post.push_back(std::move(t));
          else ++dropped;
        }
        if (dropped)
          out.problems.push_back(make_problem(
              "softdep-ignored-words", file.display_path, l.at(),
              fmt::format("softdep {}: {} word(s) before any 'pre:'/'post:' are ignored by kmod",
                          sd.modname, dropped)));
        out.softdeps.push_back(std::move(sd));
      } else {
        out.weakdeps.push_back({std::move(*mod), kmod_softdep_tokens(*rest), where});
      }
    } else if (*cmd == "include" || *cmd == "config") {
      out.problems.push_back(
          make_problem("ignored-command", file.display_path, l.at(),
                       fmt::format("'{}' is not supported by kmod and is ignored", *cmd),
                       fmt::format("{}: command {} is deprecated and not parsed anymore",
                                   file.display_path, *cmd)));
    } else {
      bad_line(out, file, l, *cmd, fmt::format("unknown modprobe.d command '{}'", printable(*cmd)));
    }
  }
}

model::ModprobeConfig load_modprobe_config(const ModprobeLoadOptions& opts) {
  model::ModprobeConfig cfg;
  cfg.kmod_version = opts.kmod_version;
  const int kmod = opts.kmod_version.major;
  CollectOptions co;
  co.flavor = ConfigFlavor::kModprobe;
  co.kmod_version = kmod;
  co.module_dir = opts.module_dir;
  load_config_files(
      opts.root, opts.paths, co, cfg.files, cfg.problems,
      [&](std::string_view data, const model::ConfigFile& f) {
        parse_modprobe_conf(data, f, cfg, kmod);
      },
      // kmod_config_new(): `if (fd >= 0) kmod_config_parse(...)`, no message otherwise.
      [](const model::ConfigFile& f, const Error& e) {
        return make_problem("unreadable", f.display_path, 0,
                            "config file cannot be read (libkmod skips it silently): " + e.message);
      });
  return cfg;
}

}  // namespace ofsck::read
