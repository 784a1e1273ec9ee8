// /proc/modules and /sys/module/<name>/parameters, read on bounded views.
#include "read/text/proc_modules.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "read/text/text_util.hpp"

namespace ofsck::read {

namespace {

constexpr uint64_t kProcModulesCap = uint64_t{16} << 20;
constexpr uint64_t kParamCap = 64 << 10;  // sysfs shows at most a page per attribute

/// The words of `line` separated by blanks (at most `max`).
std::vector<std::string_view> words(std::string_view line, size_t max) {
  std::vector<std::string_view> w;
  size_t pos = 0;
  while (w.size() < max) {
    pos = line.find_first_not_of(" \t", pos);
    if (pos == std::string_view::npos) break;
    size_t end = std::min(line.find_first_of(" \t", pos), line.size());
    w.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return w;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// <dir>/<param> files, sorted; the value without its one final newline.
std::vector<std::pair<std::string, std::string>> read_params(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    auto v = read_text_file(e.path().string(), kParamCap);
    if (!v) continue;  // write-only or unreadable: its running value is not known
    if (!v->empty() && v->back() == '\n') v->pop_back();
    out.emplace_back(e.path().filename().string(), std::move(*v));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<std::vector<ProcModule>> parse_proc_modules(std::string_view text,
                                                   const std::string& source) {
  std::vector<ProcModule> out;
  std::optional<Error> bad;  // the first malformed line ends the parse
  for_each_line(text, [&](std::string_view line, uint32_t lineno) {
    if (bad || line.find_first_not_of(" \t") == std::string_view::npos) return;
    auto w = words(line, 5);
    if (w.size() < 5 || !all_digits(w[1]) || w[0].find('/') != std::string_view::npos) {
      SourceRef where{source, lineno};
      where.text = std::string(line.substr(0, 200));
      bad = Error{ErrorCode::kMalformed,
                  "not a /proc/modules line (name size refcount deps state ...)", std::move(where)};
      return;
    }
    out.push_back(ProcModule{std::string(w[0]), std::string(w[4])});
  });
  if (bad) return tl::unexpected(std::move(*bad));
  return out;
}

Result<std::vector<LoadedModule>> read_loaded_modules(const LiveDirs& dirs) {
  const std::string source = dirs.proc + "/modules";
  auto text = read_text_file(source, kProcModulesCap);
  if (!text) return tl::unexpected(text.error());
  auto mods = parse_proc_modules(*text, source);
  if (!mods) return tl::unexpected(mods.error());
  std::vector<LoadedModule> out;
  out.reserve(mods->size());
  for (auto& m : *mods)
    out.push_back(
        LoadedModule{m.name, read_params(dirs.sys + "/module/" + m.name + "/parameters")});
  std::sort(out.begin(), out.end(),
            [](const LoadedModule& a, const LoadedModule& b) { return a.name < b.name; });
  return out;
}

}  // namespace ofsck::read
