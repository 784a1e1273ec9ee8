#pragma once
/// GRUB 2's boot choice inputs: the environment block (grubenv, as grub-editenv writes it and
/// GRUB's load_env reads it), the generated grub.cfg (menu entries, submenus, their `linux`
/// lines and the `set default=` of 00_header) and GRUB_DEFAULT in /etc/default/grub. Which
/// entry GRUB starts is grub_menu's rule (select_grub_entry()); which release that is, and
/// whether it counts, is decided in check/boot_kernel.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace ofsck::read {

/// The variables of a GRUB environment block, in file order.
struct GrubEnv {
  std::vector<std::pair<std::string, std::string>> vars;
  /// The value of `name` (the last one when a name repeats, as GRUB's load_env sets each in
  /// turn); nullopt when absent.
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
};

/// Parses an environment block as GRUB's grub_envblk_iterate() does: it must start with
/// "# GRUB Environment Block\n"; then `name=value` lines, where a backslash escapes the next
/// byte (grub-editenv writes `\\` and `\<newline>`); lines starting with '#' (the padding) are
/// skipped; an unterminated last line ends the block. `path` labels errors.
[[nodiscard]] Result<GrubEnv> parse_grubenv(std::string_view bytes, const std::string& path);

/// One menu entry or submenu of grub.cfg.
struct GrubEntry {
  std::string title;
  std::string id;      ///< --id / $menuentry_id_option value; empty when none
  std::string kernel;  ///< first word after the first linux/linuxefi/linux16 command; "" none
  bool submenu = false;
  uint32_t line = 0;                ///< 1-based line of the menuentry/submenu command
  std::vector<GrubEntry> children;  ///< a submenu's entries
};

/// What grub.cfg says about the boot choice.
struct GrubConfig {
  std::vector<GrubEntry> menu;  ///< top-level entries in menu order
  /// The last top-level `set default=VALUE` that is not `${next_entry}` (00_header's else
  /// branch: "0", a title, or "${saved_entry}" for GRUB_DEFAULT=saved); nullopt: none.
  std::optional<std::string> default_value;
  uint32_t default_line = 0;
  /// `set default="${next_entry}"` is present: grubenv's next_entry wins once (grub-reboot).
  bool honours_next_entry = false;
  /// Where a `blscfg` command inserts the Boot Loader Specification entries (RHEL-like
  /// grub.cfg): the number of top-level entries before it; nullopt: no blscfg.
  std::optional<size_t> blscfg_at;
  std::vector<std::string> problems;  ///< unbalanced braces, caps hit
};

/// Parses a generated grub.cfg. Bounded: nesting is capped at 32 levels and entries at 10000;
/// a problem is recorded and parsing goes on.
[[nodiscard]] GrubConfig parse_grub_cfg(std::string_view text);

/// The value of the last GRUB_DEFAULT= assignment of /etc/default/grub (a shell file: one
/// level of '...' or "..." quoting removed); nullopt when none.
[[nodiscard]] std::optional<std::string> parse_default_grub(std::string_view text);

/// The entry GRUB boots for a `default` value, as grub's menu code decides it: a number (base
/// as strtoul(…, 0)) is an index; otherwise the first entry whose title or id equals the value
/// up to the first '>' not doubled (">>" is a literal '>'); an index out of range or no match
/// falls back to entry 0; a submenu continues with the part after '>' (empty: its entry 0).
/// `path` receives the chosen titles joined by '>'. nullptr when a menu on the way is empty.
[[nodiscard]] const GrubEntry* select_grub_entry(const std::vector<GrubEntry>& menu,
                                                 std::string_view value, std::string* path);

}  // namespace ofsck::read
