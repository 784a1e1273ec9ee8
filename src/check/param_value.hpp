#pragma once
/// What kernel/params.c does with one option value for a parameter of a declared type
/// (modinfo parmtype=): parse_one() → the type's param_set_*() (param_array() for `array of T`).
/// Only the kernel's standard types are judged; a custom kernel_param_ops is not.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "check/effective_options.hpp"
#include "model/module.hpp"

namespace ofsck::check {

/// The kernel generation's rules that differ: kstrtobool() accepts "on"/"off" from 4.6 (before,
/// strtobool() reads only [yYnN01]); 5.x and later range-check each integer type with its own
/// kstrto*() (-ERANGE), while older generations' STANDARD_PARAM_DEF parsed a long and returned
/// -EINVAL for a value that fits a long but not the type.
struct ParamKernel {
  int major = 0, minor = 0;  ///< 0.0: unknown (the newest rules, errno marked uncertain)
};

/// What is known of an array parameter's element limit (struct kparam_array::max, read from
/// the module's __param: model::ModuleFile::param_arrays).
struct ArrayMax {
  bool known = false;
  uint32_t max = 0;
};

/// The maximum of array parameter `param` of `m` (parameq()); unknown when __param was not
/// decoded or has no entry by that name.
[[nodiscard]] ArrayMax array_max(const model::ModuleFile& m, std::string_view param);

/// "3 values, at most 32" or "3 values; maximum not known" for an array option's value
/// (`ofsck explain`).
[[nodiscard]] std::string array_count_text(std::string_view value, ArrayMax amax);

/// A value the kernel rejects.
struct ParamRejection {
  std::string errno_name;  ///< "EINVAL", "ERANGE", "ENOSPC", or "ERANGE or EINVAL"
  std::string
      kernel_message;  ///< the pr_err() line, e.g. "e1000e: `x' invalid for parameter `IntMode'"
  std::string why;     ///< what is wrong, e.g. "'x' is not an int (kstrtoint)"
  /// param_array()'s own pr_err() before parse_args()'s line, e.g. "index: can only take 32
  /// arguments" (too many values); empty otherwise.
  std::string array_message;
};

/// nullopt when the value is accepted or the type is not one of the kernel's standard types
/// (judged(type) says which). `value` is what set() receives (EffectiveOption::kernel_value),
/// nullopt for a bare `param` (parse_one() passes NULL: only bool and bint take none).
/// For `array of T`, `amax` is the array's maximum: more comma-separated values than that are
/// rejected as param_array() does; an unknown maximum rejects no count.
std::optional<ParamRejection> check_param_value(std::string_view module, std::string_view param,
                                                std::string_view type,
                                                std::optional<std::string_view> value,
                                                const ParamKernel& k, ArrayMax amax = {});

/// True for the parmtypes check_param_value() judges: byte, short, ushort, int, uint, long,
/// ulong, ullong, hexint, bool, invbool, bint, charp, and `array of` any of them.
[[nodiscard]] bool judged(std::string_view type);

/// kstrtobool() (>= 4.6) / strtobool() (older) of `s`: the value, or nullopt when rejected.
std::optional<bool> kernel_bool(std::string_view s, const ParamKernel& k);

/// The declared parmtype of `param` (parameq()), "" when the module declares none by that name.
[[nodiscard]] std::string_view declared_type(const model::ModInfo& info, std::string_view param);

/// What the kernel does with one effective option (`ofsck explain`).
struct OptionVerdict {
  enum class Status {
    kApplied,     ///< set() accepts it and no later word sets the parameter again
    kOverridden,  ///< accepted, but a later word sets the same parameter (the last one wins)
    kRejected,    ///< set() rejects it: the load fails (`rejection`)
    kUnknown,     ///< the module has no such parameter: "unknown parameter ... ignored"
    kNotAParam,   ///< dyndbg/async_probe (handled by the kernel itself), or after a bare `--`
  };
  EffectiveOption option;
  std::string type;    ///< declared parmtype, "" when none
  ArrayMax array_max;  ///< for `array of T`: the maximum count, or unknown
  Status status = Status::kApplied;
  std::optional<ParamRejection> rejection;
};

/// Each option `module` receives, judged in parse_args() order against `file`'s parmtypes and
/// array maxima.
std::vector<OptionVerdict> judge_options(std::span<const EffectiveOption> opts,
                                         const model::ModuleFile& file, std::string_view module,
                                         const ParamKernel& k);

/// "applied", "overridden", "rejected", "unknown", "not-a-parameter" (stable: JSON uses them).
std::string_view status_name(OptionVerdict::Status s);

}  // namespace ofsck::check
