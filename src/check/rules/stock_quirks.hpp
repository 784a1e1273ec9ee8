#pragma once
/// OFS113 stock-kernel-quirk: findings caused only by the distribution kernel's own files fold
/// into one note. Today: OFS105 lines of <module dir>/modules.softdep that depmod generated
/// from an in-tree module's own softdep= modinfo (Debian 6.1's cifs declares
/// MODULE_SOFTDEP("gcm") without "pre:", so kmod's modprobe ignores the 11 lines depmod writes
/// for it; kmod libkmod-config.c kmod_config_add_softdep() skips words before "pre:"/"post:").
/// An administrator cannot act on them: they are counted in one note, not warned about each.
#include <optional>
#include <vector>

#include "check/finding.hpp"
#include "check/node.hpp"
#include "read/pkgdb/pkgdb.hpp"

namespace ofsck::check {

/// Replaces, in `findings`, every OFS105 finding on a modules.softdep line whose module is the
/// kernel's own (modinfo intree=Y, under kernel/, owned by a package when the root has a
/// database) and whose words are that module's softdep= value, by one OFS113 note counting them
/// (each line in its notes). Other findings are left as they are.
void fold_stock_quirks(const Node& p, const std::optional<read::PackageDb>& packages,
                       std::vector<Finding>& findings);

}  // namespace ofsck::check
