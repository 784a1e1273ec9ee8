/// libFuzzer target: module option values as the kernel reads them. The input's first byte picks
/// a declared parmtype and an array maximum; the rest is an option string, cut into words as
/// kernel/params.c next_arg() does (check/effective_options: split_options()), each word judged
/// by the type's set() (check/param_value: kstrto*(), kstrtobool(), param_array()).
/// Invariants: a word that is accepted with a known maximum is accepted with an unknown one (the
/// maximum only adds rejections), and parameq() is symmetric.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "check/effective_options.hpp"
#include "check/param_value.hpp"

namespace {

constexpr std::string_view kTypes[] = {
    "byte",           "short",         "ushort",          "int",          "uint",
    "hexint",         "long",          "ulong",           "ullong",       "bool",
    "invbool",        "bint",          "charp",           "array of int", "array of bool",
    "array of charp", "array of byte", "array of ullong", "xint",         "array of short"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ofsck::check;
  if (size < 1) return 0;
  const uint8_t sel = data[0];
  const std::string_view type = kTypes[sel % std::size(kTypes)];
  const ArrayMax known{true, static_cast<uint32_t>(sel >> 4)};  // 0..15 elements
  const ParamKernel k{(sel & 8) ? 4 : 6, (sel & 8) ? 5 : 1};
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  for (const EffectiveOption& o : split_options(text, {})) {
    if (param_eq(o.param, o.value) != param_eq(o.value, o.param)) __builtin_trap();
    const auto value = o.has_value ? std::optional<std::string_view>(o.kernel_value) : std::nullopt;
    const auto with_max = check_param_value("m", o.param, type, value, k, known);
    const auto without = check_param_value("m", o.param, type, value, k, {});
    if (!with_max && without) __builtin_trap();
    if (o.has_value) (void)array_count_text(o.kernel_value, known);
    (void)kernel_bool(o.value, k);
  }
  return 0;
}
