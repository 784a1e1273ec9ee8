#pragma once
/// Winner selection per module name, exactly as kmod 30 depmod_modules_search_file() +
/// depmod_module_is_higher_priority() decide it, with the reason for every loser.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "resolve/tree_scan.hpp"

namespace ofsck::resolve {

/// How one old-vs-new comparison was decided.
struct Decision {
  enum class Rule {
    kOverrideNew,  ///< an override names the new file: it wins
    kOverrideOld,  ///< an override names the old file: it stays
    kSearch,       ///< search priorities: keep old iff new_prio <= old_prio
  };
  Rule rule = Rule::kSearch;
  bool keep_old = true;
  int override_index = -1;  ///< DepmodConfig::overrides index (parse order) for kOverride*
  int old_prio = -1, new_prio = -1, builtin_prio = -1;  ///< depmod's i values (larger = higher)
  int old_search = -1, new_search = -1;  ///< DepmodConfig::search index that set the prio;
                                         ///< -1 = fell back to the built-in priority
  int builtin_search = -1;  ///< DepmodConfig::search index of `built-in` (-1 = not listed)
  bool equal_prio = false;  ///< kSearch with new_prio == old_prio: readdir order decided
  SourceRef where;          ///< the deciding config line (override, or the winner's search entry)
};

/// A candidate that lost, and why.
struct Loser {
  uint32_t file = 0;       ///< index into Resolution::files
  uint32_t beaten_by = 0;  ///< the candidate it was compared against (index into files)
  Decision decision;
  std::string reason;  ///< human readable, names the deciding config line
};

/// The outcome for one module name.
struct Selection {
  std::string name;
  uint32_t winner = 0;               ///< index into Resolution::files
  std::vector<uint32_t> candidates;  ///< every file with this name, discovery order
  std::vector<Loser> losers;         ///< in the order they were eliminated
  bool tie = false;                  ///< another readdir() order could pick another winner
  std::vector<uint32_t> tied;        ///< every candidate that wins under some readdir() order
};

/// Precomputed depmod priority configuration (the prepended, i.e. reversed, kmod lists).
class PriorityRules {
 public:
  /// `kmod_dirname` is depmod's cfg->dirname (how module-dir paths are spelled).
  PriorityRules(const model::DepmodConfig& cfg, std::string kmod_dirname);

  /// depmod_module_is_higher_priority(old, new): keep_old iff the old file stays.
  [[nodiscard]] Decision compare(const ScannedFile& old_file, const ScannedFile& new_file) const;

  /// Overrides with a matching kver, most recently parsed first: {config index, "subdir/mod"}.
  struct Override {
    int index;
    std::string path;
  };
  const std::vector<Override>& overrides() const { return overrides_; }

 private:
  struct Search {
    enum Type { kPath, kBuiltin, kExternal } type;
    std::string path;
    int index;
  };
  struct External {
    std::string path;
    int index;
  };
  const model::DepmodConfig& cfg_;
  std::string dirname_;
  std::vector<Override> overrides_;
  std::vector<Search> searches_;
  std::vector<External> externals_;
};

struct SelectResult {
  std::vector<Selection> selections;  ///< one per name, in order of first discovery
  std::vector<Problem> problems;
};

/// Runs depmod's first-seen/replace loop over `files` (discovery order) and explains it.
[[nodiscard]] SelectResult select_winners(const std::vector<ScannedFile>& files,
                                          const model::DepmodConfig& cfg,
                                          const std::string& kmod_dirname);

}  // namespace ofsck::resolve
