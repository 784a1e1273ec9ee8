// Shared text of a module verdict (report/verdict_text.hpp).
#include "report/verdict_text.hpp"

#include <fmt/format.h>

#include "report/escape.hpp"

namespace ofsck::report {

std::string dependency_text(const check::ModuleResult& m) {
  if (m.failed_dependency.empty()) return {};
  std::string s = fmt::format("dependency {} fails", esc(m.failed_dependency));
  if (!m.own) return s;
  if (m.own->loads) return s + "; on its own it loads";
  if (!m.own->certain)
    return s + fmt::format("; on its own: not known until {} is fixed (imports it does not provide "
                           "now)",
                           esc(m.failed_dependency));
  s += fmt::format("; on its own: {} ({})", esc(m.own->stage), esc(m.own->errno_name));
  if (!m.own->kernel_messages.empty())
    s += fmt::format(": {}", esc(m.own->kernel_messages.back().text));
  return s;
}

std::string install_text(const check::ModuleResult& m) {
  if (!m.install) return {};
  const check::InstallCommand& c = *m.install;
  std::string whose = c.module == m.name ? "load" : fmt::format("load of {}", esc(c.module));
  std::string where = escape(c.where.path);
  if (c.where.line) where += fmt::format(":{}", c.where.line);
  return fmt::format("{} replaced by install command `{}` ({})", whose, esc(c.command), where);
}

}  // namespace ofsck::report
