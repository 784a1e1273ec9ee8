/// libFuzzer target: modules.order, modules.builtin(.modinfo), modules.dep and the kmod index
/// validator that guards libkmod's modules.dep.bin reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "read/text/modules_dep.hpp"
#include "read/text/modules_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto o = ofsck::read::parse_modules_order(text, "/lib/modules/k");
  auto b = ofsck::read::parse_modules_builtin(text, "modules.builtin");
  auto m = ofsck::read::parse_modules_builtin_modinfo(text, "modules.builtin.modinfo");
  auto d = ofsck::read::parse_modules_dep(text, "modules.dep");
  auto v = ofsck::read::validate_kmod_index(text, "modules.dep.bin");
  (void)o;
  (void)b;
  (void)m;
  (void)d;
  (void)v;
  return 0;
}
