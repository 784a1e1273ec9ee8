// GRUB 2 boot-choice inputs. The grubenv reader follows grub-core/lib/envblk.c
// (grub_envblk_open(), grub_envblk_iterate()); entry selection follows grub-core/normal/menu.c
// (get_entry_number(), menuentry_eq(), and the submenu hand-over of "default" in
// grub_menu_execute_entry()); the `set default` lines are those util/grub.d/00_header writes.
#include "read/text/grub.hpp"

#include <algorithm>
#include <string>

namespace ofsck::read {
namespace {

constexpr std::string_view kEnvSignature = "# GRUB Environment Block\n";
constexpr size_t kMaxDepth = 32;
constexpr size_t kMaxEntries = 10000;

/// The words of one grub.cfg line as GRUB's script lexer splits them: blanks separate,
/// '...' is literal, "..." keeps `\"`, `\\`, `\$` escapes, a backslash outside quotes escapes
/// the next byte, an unquoted '#' at a word start comments out the rest, ';' ends a command
/// (so it ends a word). Variables are kept as written ("${saved_entry}").
std::vector<std::string> grub_words(std::string_view line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == ';') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
      continue;
    }
    if (c == '#' && !in_word) break;
    in_word = true;
    if (c == '\'') {
      const size_t end = line.find('\'', i + 1);
      const size_t stop = end == std::string_view::npos ? line.size() : end;
      cur.append(line.substr(i + 1, stop - i - 1));
      i = stop;
    } else if (c == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size() &&
            (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$'))
          ++i;
        cur += line[i];
      }
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
    } else {
      cur += c;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

/// The options of `menuentry`/`submenu` that take an argument (grub-core/commands/menuentry.c).
bool takes_argument(std::string_view opt) {
  return opt == "--class" || opt == "--users" || opt == "--hotkey" || opt == "--id" ||
         opt == "$menuentry_id_option" || opt == "${menuentry_id_option}";
}

struct Lines {
  std::vector<std::string_view> text;
  size_t next = 0;
};

Lines split_lines(std::string_view s) {
  Lines l;
  for (size_t pos = 0; pos <= s.size();) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) nl = s.size();
    l.text.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return l;
}

struct Parser {
  Lines lines;
  GrubConfig cfg;
  size_t entries = 0;

  /// An entry's title and id from its command words (words[0] is menuentry/submenu).
  static void head(const std::vector<std::string>& w, GrubEntry& e) {
    bool have_title = false;
    for (size_t i = 1; i < w.size(); ++i) {
      if (w[i] == "{") break;
      if (takes_argument(w[i]) && i + 1 < w.size()) {
        if (w[i] != "--class" && w[i] != "--users" && w[i] != "--hotkey") e.id = w[i + 1];
        ++i;
      } else if (w[i].starts_with("--")) {
        continue;  // --unrestricted, --source
      } else if (!have_title) {
        e.title = w[i];
        have_title = true;
      }
    }
  }

  /// Reads a block's lines up to its closing '}' (or the end), filling `out` with the entries
  /// it holds when `menu` (top level or a submenu), else only `kernel` of the entry.
  void block(size_t depth, std::vector<GrubEntry>* menu, GrubEntry* entry) {
    while (lines.next < lines.text.size()) {
      const uint32_t line_no = static_cast<uint32_t>(lines.next + 1);
      std::vector<std::string> w = grub_words(lines.text[lines.next++]);
      if (w.empty()) continue;
      if (w[0] == "}") {
        if (depth > 0) return;
        cfg.problems.push_back("grub.cfg:" + std::to_string(line_no) + ": '}' closes no block");
        continue;
      }
      const bool opens = w.back() == "{";
      if (menu && (w[0] == "menuentry" || w[0] == "submenu") && opens) {
        if (++entries > kMaxEntries || depth + 1 > kMaxDepth) {
          cfg.problems.push_back("grub.cfg: more than 10000 entries or 32 nested levels");
          lines.next = lines.text.size();
          return;
        }
        GrubEntry e;
        e.submenu = w[0] == "submenu";
        e.line = line_no;
        head(w, e);
        block(depth + 1, e.submenu ? &e.children : nullptr, e.submenu ? nullptr : &e);
        menu->push_back(std::move(e));
        continue;
      }
      if (opens) {  // function NAME {, or a block GRUB does not list
        if (depth + 1 > kMaxDepth) {
          cfg.problems.push_back("grub.cfg: more than 32 nested levels");
          lines.next = lines.text.size();
          return;
        }
        block(depth + 1, nullptr, nullptr);
        continue;
      }
      command(w, depth, menu, entry, line_no);
    }
    if (depth > 0) cfg.problems.push_back("grub.cfg: a '{' block is not closed");
  }

  void command(const std::vector<std::string>& w, size_t depth, std::vector<GrubEntry>* menu,
               GrubEntry* entry, uint32_t line_no) {
    if (entry && entry->kernel.empty() && w.size() >= 2 &&
        (w[0] == "linux" || w[0] == "linuxefi" || w[0] == "linux16"))
      entry->kernel = w[1];
    if (depth != 0 || !menu) return;
    if (w[0] == "blscfg" && !cfg.blscfg_at) cfg.blscfg_at = menu->size();
    if (w[0] == "set" && w.size() >= 2 && w[1].starts_with("default=")) {
      std::string v = w[1].substr(8);
      if (v == "${next_entry}" || v == "$next_entry") {
        cfg.honours_next_entry = true;
      } else {
        cfg.default_value = std::move(v);
        cfg.default_line = line_no;
      }
    }
  }
};

/// grub_strtoul(s, 0, 0): leading blanks, then base 16 after "0x", 8 after "0", else 10;
/// nullopt when no digit (GRUB_ERR_BAD_NUMBER) or on overflow. Trailing bytes are ignored.
std::optional<uint64_t> grub_number(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  unsigned base = 10;
  if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    base = 16;
    i += 2;
  } else if (i < s.size() && s[i] == '0') {
    base = 8;
  }
  uint64_t v = 0;
  bool any = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    unsigned d = 0;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else break;
    if (d >= base) break;
    if (!checked_mul(v, base, v) || !checked_add(v, d, v)) return std::nullopt;
    any = true;
  }
  if (!any) return std::nullopt;
  return v;
}

/// menuentry_eq(): `name` equals `spec` up to its first single '>' (">>" reads as '>').
bool entry_eq(std::string_view name, std::string_view spec) {
  if (name.empty()) return false;
  size_t j = 0;
  for (size_t i = 0;; ++i, ++j) {
    const bool ends =
        j >= spec.size() || (spec[j] == '>' && (j + 1 >= spec.size() || spec[j + 1] != '>'));
    if (ends) return i == name.size();
    if (spec[j] == '>') ++j;  // ">>"
    if (i >= name.size() || name[i] != spec[j]) return false;
  }
}

/// The part of `spec` after its first single '>' (what a submenu gets as "default"); "" none.
std::string_view after_separator(std::string_view spec) {
  for (size_t j = 0; j < spec.size(); ++j) {
    if (spec[j] != '>') continue;
    if (j + 1 < spec.size() && spec[j + 1] == '>') {
      ++j;
      continue;
    }
    return spec.substr(j + 1);
  }
  return {};
}

}  // namespace

std::optional<std::string> GrubEnv::get(std::string_view name) const {
  for (auto it = vars.rbegin(); it != vars.rend(); ++it)
    if (it->first == name) return it->second;
  return std::nullopt;
}

Result<GrubEnv> parse_grubenv(std::string_view bytes, const std::string& path) {
  if (!bytes.starts_with(kEnvSignature))
    return make_error(ErrorCode::kMalformed,
                      "not a GRUB environment block: it does not start with "
                      "\"# GRUB Environment Block\"",
                      {path});
  GrubEnv env;
  size_t p = kEnvSignature.size();
  const size_t end = bytes.size();
  while (p < end) {
    if (bytes[p] == '#') {  // find_next_line(): escapes count here too
      while (p < end && bytes[p] != '\n') p += bytes[p] == '\\' ? 2 : 1;
      ++p;
      continue;
    }
    const size_t name_start = p;
    while (p < end && bytes[p] != '=') ++p;
    if (p >= end) break;  // broken: GRUB stops here
    const size_t name_end = p++;
    std::string value;
    while (p < end && bytes[p] != '\n') {
      if (bytes[p] == '\\') ++p;
      if (p < end) value += bytes[p];
      ++p;
    }
    if (p >= end) break;  // the value is not terminated: GRUB drops it
    ++p;
    env.vars.emplace_back(std::string(bytes.substr(name_start, name_end - name_start)),
                          std::move(value));
  }
  return env;
}

GrubConfig parse_grub_cfg(std::string_view text) {
  Parser p{split_lines(text), {}, 0};
  p.block(0, &p.cfg.menu, nullptr);
  return std::move(p.cfg);
}

std::optional<std::string> parse_default_grub(std::string_view text) {
  std::optional<std::string> out;
  Lines l = split_lines(text);
  for (std::string_view line : l.text) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.starts_with("export ")) line.remove_prefix(7);
    if (!line.starts_with("GRUB_DEFAULT=")) continue;
    std::vector<std::string> w = grub_words(line.substr(13));
    out = w.empty() ? std::string() : w.front();
  }
  return out;
}

const GrubEntry* select_grub_entry(const std::vector<GrubEntry>& menu, std::string_view value,
                                   std::string* path) {
  if (menu.empty()) return nullptr;
  size_t index = 0;
  if (std::optional<uint64_t> n = grub_number(value)) {
    index = *n < menu.size() ? static_cast<size_t>(*n) : 0;
  } else {
    auto it = std::find_if(menu.begin(), menu.end(), [&](const GrubEntry& e) {
      return entry_eq(e.title, value) || entry_eq(e.id, value);
    });
    index = it == menu.end() ? 0 : static_cast<size_t>(it - menu.begin());
  }
  const GrubEntry& e = menu[index];
  if (path) *path += (path->empty() ? "" : ">") + e.title;
  if (!e.submenu) return &e;
  return select_grub_entry(e.children, after_separator(value), path);
}

}  // namespace ofsck::read
