#pragma once
/// ofsck's own configuration file, /etc/ofsck/ofsck.conf (re-rooted under --root) or --config
/// FILE: '#' comment lines, blank lines and `key = value` lines. Keys: `ignore = RULE[:SUBJECT]`
/// (repeatable), `baseline = PATH`, `trust = PATH` (repeatable), `format = text|json`,
/// `color = auto|always|never`, `cache-dir = PATH`. The value is everything after the first '='
/// with blanks trimmed ('#' inside a value is part of it). An unknown key, a line without '=',
/// an empty value, a NUL byte, a single-valued key given twice or a bad format/color value is
/// an error naming path:line; the command line maps it to exit status 2.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ofsck::read {

/// One value of the file and the line it is on (1-based).
struct OfsckConfValue {
  std::string value;
  uint32_t line = 0;
};

struct OfsckConf {
  std::string path;  ///< as given (for messages)
  std::vector<OfsckConfValue> ignore, trust;
  std::optional<OfsckConfValue> baseline, format, color, cache_dir;
};

/// Larger files are refused (an ofsck.conf is a few lines).
inline constexpr uint64_t kOfsckConfCap = uint64_t{1} << 20;

/// Parses `text`, the contents of the file `path`.
[[nodiscard]] Result<OfsckConf> parse_ofsck_conf(std::string_view text, std::string path);

/// Reads and parses `path`. With `optional`, a file that does not exist is an empty
/// configuration (the re-rooted /etc/ofsck/ofsck.conf); otherwise it is a kNotFound error.
[[nodiscard]] Result<OfsckConf> read_ofsck_conf(const std::string& path, bool optional);

}  // namespace ofsck::read
