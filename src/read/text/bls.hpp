#pragma once
/// Boot Loader Specification type #1 entries (/boot/loader/entries/*.conf, as kernel-install
/// and RHEL's grubby write them) and systemd-boot's loader.conf: the key/value lines, the
/// order boot loaders list the entries in, and the entry loader.conf's `default` names.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ofsck::read {

/// One entry file.
struct BlsEntry {
  std::string id;  ///< the file name ("6f…-6.1.0-56-amd64.conf")
  std::string path;
  std::string title, version, machine_id, sort_key, linux;
};

/// Parses the lines of an entry file: `key value` (blanks between), '#' comments and blank
/// lines skipped; for a repeated key the last one counts, except `linux` (the first, what the
/// loaders boot). Unknown keys are ignored. Fails only for a NUL byte (not a text file).
[[nodiscard]] Result<BlsEntry> parse_bls_entry(std::string_view text, std::string id,
                                               std::string path);

/// loader.conf's `default` pattern (the last one); nullopt when none. Other keys are ignored.
[[nodiscard]] std::optional<std::string> parse_loader_conf_default(std::string_view text);

/// Sorts entries in the order systemd-boot lists them (boot_entry_compare()): entries with a
/// sort-key first, by sort-key, machine-id, then version newest first; then the rest; ties by
/// file name, newest first. Versions are ordered with dpkg_version_compare() (systemd uses
/// strverscmp_improved(); both order kernel releases alike).
void sort_bls_entries(std::vector<BlsEntry>& entries);

/// The index of the first entry (in sorted order) whose file name, or name without ".conf",
/// matches the fnmatch(3) glob `pattern`; nullopt when none does.
[[nodiscard]] std::optional<size_t> match_loader_default(const std::vector<BlsEntry>& entries,
                                                         const std::string& pattern);

}  // namespace ofsck::read
