// The modprobe.d part of `ofsck explain`: options with their sources and checks, install and
// remove commands, blacklist, softdeps and weakdeps (text and JSON).
#include <fmt/format.h>

#include "report/escape.hpp"
#include "report/explain.hpp"
#include "report/explain_config.hpp"
#include "report/json_dump.hpp"

namespace ofsck::report {

namespace {

std::string at(const SourceRef& w) {
  return w.line ? fmt::format("{}:{}", escape(w.path), w.line) : escape(w.path);
}

std::string words(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + escape(s);
  return out;
}

std::string dep_text(std::string_view kind, const Explanation::Dep& d) {
  std::string body = kind == "weakdep"
                         ? words(d.pre)
                         : fmt::format("{}{}{}", d.pre.empty() ? "" : "pre: " + words(d.pre),
                                       !d.pre.empty() && !d.post.empty() ? " " : "",
                                       d.post.empty() ? "" : "post: " + words(d.post));
  return fmt::format("  {}: {}  ({}){}\n", kind, body, at(d.where),
                     kind == "softdep"
                         ? (d.used ? "  [used]" : "  [not used: an earlier line matches]")
                         : "  [never loaded by modprobe]");
}

nlohmann::ordered_json where_json(const SourceRef& w, const PathRule& rule) {
  return {{"path", rule.node_path(w.path)},
          {"line", w.line ? nlohmann::ordered_json(w.line) : nlohmann::ordered_json(nullptr)}};
}

}  // namespace

std::string config_text(const Explanation::Config& c) {
  std::string out;
  if (!c.options.empty())
    out += fmt::format("  options (modprobe passes \"{}\"):\n", esc(c.option_string));
  for (const auto& o : c.options)
    out += fmt::format("    {}{}{}  [{}{}]  {}{}\n", esc(o.param), o.has_value ? "=" : "",
                       esc(o.value), o.type.empty() ? "" : escape(o.type) + ", ", o.status,
                       at(o.where), o.detail.empty() ? "" : ": " + escape(o.detail));
  for (const auto& a : c.alias_options) {
    std::string at_lines;
    for (const auto& w : a.lines) at_lines += (at_lines.empty() ? "" : ", ") + at(w);
    out += fmt::format("  options for alias {}: \"{}\"  ({})  [{}]\n", esc(a.name), esc(a.text),
                       at_lines, esc(a.detail));
  }
  for (const auto& i : c.install)
    out +=
        fmt::format("  install: {}  ({})  [modprobe runs this instead of inserting the module]\n",
                    esc(i.command), at(i.where));
  for (const auto& r : c.remove)
    out += fmt::format("  remove: {}  ({})  [modprobe -r runs this instead]\n", esc(r.command),
                       at(r.where));
  for (const auto& b : c.blacklist) out += fmt::format("  blacklist: {}\n", at(b));
  if (!c.blacklist_effect.empty()) out += fmt::format("    {}\n", esc(c.blacklist_effect));
  for (const auto& d : c.softdeps) out += dep_text("softdep", d);
  for (const auto& d : c.weakdeps) out += dep_text("weakdep", d);
  return out;
}

nlohmann::ordered_json config_json(const Explanation::Config& c, const PathRule& rule) {
  using nlohmann::ordered_json;
  ordered_json opts = ordered_json::array(), install = ordered_json::array(),
               remove = ordered_json::array(), bl = ordered_json::array(),
               soft = ordered_json::array(), weak = ordered_json::array(),
               aliases = ordered_json::array();
  for (const auto& a : c.alias_options) {
    ordered_json lines = ordered_json::array();
    for (const auto& w : a.lines) lines.push_back(where_json(w, rule));
    aliases.push_back({{"alias", a.name},
                       {"options", a.text},
                       {"passed", a.reaches},
                       {"detail", a.detail},
                       {"sources", lines}});
  }
  for (const auto& o : c.options)
    opts.push_back({{"param", o.param},
                    {"value", o.has_value ? ordered_json(o.value) : ordered_json(nullptr)},
                    {"type", null_if_empty(o.type)},
                    {"status", o.status},
                    {"detail", null_if_empty(o.detail)},
                    {"source", where_json(o.where, rule)}});
  for (const auto& i : c.install)
    install.push_back({{"command", i.command}, {"source", where_json(i.where, rule)}});
  for (const auto& r : c.remove)
    remove.push_back({{"command", r.command}, {"source", where_json(r.where, rule)}});
  for (const auto& b : c.blacklist) bl.push_back(where_json(b, rule));
  for (const auto& d : c.softdeps)
    soft.push_back({{"pre", d.pre},
                    {"post", d.post},
                    {"used", d.used},
                    {"source", where_json(d.where, rule)}});
  for (const auto& d : c.weakdeps)
    weak.push_back({{"modules", d.pre}, {"source", where_json(d.where, rule)}});
  return {{"option_string", c.option_string},
          {"options", opts},
          {"alias_options", aliases},
          {"install", install},
          {"remove", remove},
          {"blacklist", bl},
          {"blacklist_effect", null_if_empty(c.blacklist_effect)},
          {"softdeps", soft},
          {"weakdeps", weak}};
}

}  // namespace ofsck::report
