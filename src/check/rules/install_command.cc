// OFS603 install-command: no kernel message. modprobe (kmod_module_probe_insert_module()) runs a
// modprobe.d `install NAME COMMAND` through /bin/sh instead of inserting NAME, for the module
// and for each dependency in its probe list that has one ("install COMMAND" in --show-depends).
// What the command loads is not simulated; `install NAME /bin/true` hides the module entirely
// (modprobe succeeds and inserts nothing), `/bin/false` makes every modprobe of it fail.
#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

namespace {

/// What the command's first word says about the outcome, "" when it must be run to know.
std::string outcome(std::string_view cmd) {
  const size_t b = cmd.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  std::string_view first = cmd.substr(b, cmd.find_first_of(" \t;", b) - b);
  first = first.substr(first.rfind('/') == std::string_view::npos ? 0 : first.rfind('/') + 1);
  if (first == "true") return "it inserts nothing and succeeds: the module is never loaded";
  if (first == "false") return "it inserts nothing and fails: every modprobe of it fails";
  return {};
}

}  // namespace

void add_install_command_findings(const Node& p, const std::vector<size_t>& subjects,
                                  DiagnosticSink& sink) {
  if (p.modprobe_config.install.empty()) return;
  for (size_t i : subjects) {
    const std::string& name = p.resolution.modules[i].name;
    for (const auto& in : p.modprobe_config.install) {
      if (in.modname != name) continue;
      const std::string what = outcome(in.command);
      Finding f = make_finding(
          kInstallCommand, name,
          fmt::format("modprobe {} runs the install command `{}` instead of inserting {}{}", name,
                      in.command, p.resolution.files[p.resolution.modules[i].file].relpath,
                      what.empty() ? "" : ": " + what));
      f.where.push_back(in.where);
      f.set("module", name);
      f.set("command", in.command);
      f.notes.push_back(
          "the verdict is for the module file; what the command loads is not checked");
      f.hint = "`modprobe -i " + name + "` (--ignore-install) inserts the file itself";
      sink.add(std::move(f));
    }
  }
}

}  // namespace ofsck::check
