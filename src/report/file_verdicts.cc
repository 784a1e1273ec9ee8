#include "report/file_verdicts.hpp"

#include <fmt/format.h>

#include "report/escape.hpp"

namespace ofsck::report {

std::string render_file_verdicts(const check::CheckResult& r, const TextOptions& o) {
  std::string out;
  const char* bold = o.color ? "\033[1m" : "";
  const char* reset = o.color ? "\033[0m" : "";
  for (const auto& m : r.modules) {
    if (!m.given) continue;
    if (m.unreadable) {
      out += fmt::format("{}{}:{} cannot be read: no verdict\n", bold, esc(m.file), reset);
      continue;
    }
    std::string why;
    if (!m.failed_dependency.empty())
      why = ": its dependency " + escape(m.failed_dependency) + " fails";
    else if (!m.kernel_messages.empty()) why = ": " + escape(m.kernel_messages.front().text);
    out += fmt::format("{}{}:{} {} as {}{}{}\n", bold, esc(m.file), reset,
                       m.loads ? "loads" : "FAILS (" + escape(m.errno_name) + ")", esc(m.name),
                       m.loads && !m.taints.empty() ? " (taints " + escape(m.taints) + ")" : "",
                       m.loads ? "" : why);
  }
  return out;
}

}  // namespace ofsck::report
