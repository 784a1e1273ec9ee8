#include "read/text/modules_files.hpp"

#include <fmt/format.h>

#include <cstring>

#include "model/module.hpp"
#include "read/text/text_util.hpp"

namespace ofsck::read {
namespace {

constexpr size_t kFgetsBuf = 4096;  // char line[PATH_MAX] in depmod

/// Splits like repeated fgets(buf, 4096): chunks end after '\n' or at 4095 bytes or at EOF.
std::vector<std::string_view> fgets_chunks(std::string_view data) {
  std::vector<std::string_view> out;
  size_t p = 0;
  while (p < data.size()) {
    size_t max = std::min(data.size() - p, kFgetsBuf - 1);
    size_t nl = data.substr(p, max).find('\n');
    size_t len = nl == std::string_view::npos ? max : nl + 1;
    out.push_back(data.substr(p, len));
    p += len;
  }
  return out;
}

/// A chunk as a SourceRef shows it: its bytes without the '\n' fgets() kept.
std::string_view without_newline(std::string_view chunk) {
  if (!chunk.empty() && chunk.back() == '\n') chunk.remove_suffix(1);
  return chunk;
}

}  // namespace

ModulesOrder parse_modules_order(std::string_view data, const std::string& display_dir) {
  ModulesOrder out;
  std::string path = display_dir + "/modules.order";
  uint32_t idx = 0;
  std::vector<OrderEntry> entries;
  for (std::string_view chunk : fgets_chunks(data)) {
    ++idx;
    std::string_view line = chunk.substr(0, chunk.find('\0'));  // strlen()
    if (line.empty()) {
      if (!chunk.empty())
        out.problems.push_back(make_problem("nul-byte", path, {idx, without_newline(chunk)},
                                            "line starts with a NUL byte; depmod skips it"));
      continue;
    }
    if (line.back() != '\n') {
      out.corrupted = true;
      out.corrupted_line = idx;
      std::string why = line.size() < chunk.size()      ? "contains a NUL byte"
                        : chunk.size() == kFgetsBuf - 1 ? "is longer than 4095 bytes"
                                                        : "is the last line and has no newline";
      out.problems.push_back(make_problem(
          "order-corrupted", path, {idx, without_newline(chunk)},
          fmt::format("line {}; depmod stops reading modules.order and does not sort modules "
                      "at all",
                      why),
          fmt::format("{}:{} corrupted line misses '\\n'", path, idx)));
      out.total = 0;
      return out;
    }
    line.remove_suffix(1);
    entries.push_back({std::string(line), idx});
  }
  out.total = idx + 1;
  out.entries = std::move(entries);
  return out;
}

ModulesBuiltin parse_modules_builtin(std::string_view data, const std::string& display_path) {
  ModulesBuiltin out;
  uint32_t n = 0;
  for (std::string_view chunk : fgets_chunks(data)) {
    ++n;
    std::string_view line = chunk.substr(0, chunk.find('\0'));
    unsigned char c0 = line.empty() ? 0 : static_cast<unsigned char>(line[0]);
    bool alpha = (c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z');
    if (!alpha) {
      out.problems.push_back(make_problem("bad-builtin-line", display_path,
                                          {n, without_newline(chunk)},
                                          fmt::format("line must start with a letter: '{}'",
                                                      printable(line.substr(0, line.find('\n')))),
                                          fmt::format("Invalid modules.builtin line: {}", line)));
      continue;
    }
    // path_to_modname(line) runs on the line *with* its '\n'; modname_normalize() stops at
    // the first '.', so a line without one would keep the newline in the name.
    std::string_view base =
        line.substr(line.rfind('/') == std::string_view::npos ? 0 : line.rfind('/') + 1);
    std::string name = model::module_name_from_filename(base);
    std::string_view path = line;
    if (!path.empty() && path.back() == '\n') path.remove_suffix(1);
    if (name.empty() || name.find('\n') != std::string::npos)
      out.problems.push_back(
          make_problem("bad-builtin-line", display_path, {n, without_newline(chunk)},
                       fmt::format("cannot derive a module name from '{}'", printable(path))));
    out.modules.push_back({std::move(name), std::string(path), n});
  }
  return out;
}

ModulesBuiltinModinfo parse_modules_builtin_modinfo(std::string_view data,
                                                    const std::string& display_path) {
  ModulesBuiltinModinfo out;
  size_t p = 0;
  while (p < data.size()) {
    size_t end = data.find('\0', p);
    bool terminated = end != std::string_view::npos;
    std::string_view rec = data.substr(p, terminated ? end - p : data.npos);
    auto problem = [&](std::string msg) {
      model::ConfigProblem pr =
          make_problem("bad-builtin-modinfo", display_path, 0, std::move(msg));
      pr.where.offset = p;
      out.problems.push_back(std::move(pr));
    };
    if (!terminated) problem("last record is not NUL-terminated");
    if (!rec.empty()) {
      size_t dot = rec.find('.');
      size_t eq = dot == std::string_view::npos ? dot : rec.find('=', dot + 1);
      if (dot == 0 || dot == std::string_view::npos || eq == std::string_view::npos) {
        problem(fmt::format("record at {:#x} is not '<module>.<key>=<value>': '{}'", p,
                            printable(rec.substr(0, 120))));
      } else {
        out.records.push_back({std::string(rec.substr(0, dot)),
                               std::string(rec.substr(dot + 1, eq - dot - 1)),
                               std::string(rec.substr(eq + 1)), p});
      }
    }
    if (!terminated) break;
    p = end + 1;
  }
  return out;
}

}  // namespace ofsck::read
