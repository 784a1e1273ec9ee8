// kernel/module/main.c elf_validity_ehdr() (elf_validity_check() before 6.12), right after
// module_sig_check() and before any modinfo is read, so before vermagic:
//   "Invalid ELF header type: %u != %u"        (e_type read in the kernel's own byte order)
//   "Invalid architecture in ELF header: %u"   (elf_check_arch(): e_machine)
// Both -ENOEXEC. The messages exist since 5.16 (7fd982f394c4 "module: change to print useful
// messages from elf_validity_check()", also backported to some 5.x stable updates); older kernels
// are predicted to return -ENOEXEC silently. The ELF class is not tested
// there: the header is read as the kernel's own Elf_Ehdr, so a file of the other class with the
// right e_machine fails on a later header field whose value we cannot know (no line predicted).
#include <cerrno>

#include <fmt/format.h>

#include "check/load/step.hpp"
#include "check/rules.hpp"

namespace ofsck::check::load {

namespace {
bool prints_elf_errors(const model::KernelFacts& k) {
  return k.major > 5 || (k.major == 5 && k.minor >= 16);
}
uint16_t swap16(uint16_t x) { return static_cast<uint16_t>((x >> 8) | (x << 8)); }
}  // namespace

bool elf_validity(Context& c) {
  const auto& elf = c.k.elf;
  if (elf.machine == 0 || c.m.machine == 0) return true;  // the kernel's ELF kind is unknown
  const bool swapped = c.m.big_endian != elf.big_endian;
  // What the kernel reads: the file's fields in the kernel's byte order.
  const uint16_t e_type = swapped ? swap16(c.m.e_type) : c.m.e_type;
  const uint16_t e_machine = swapped ? swap16(c.m.machine) : c.m.machine;
  constexpr uint16_t kEtRel = 1;
  auto kind = [](uint8_t cls, bool be, uint16_t machine) {
    return fmt::format("{}-bit {}-endian, e_machine {}",
                       cls == 1   ? 32
                       : cls == 2 ? 64
                                  : 0,
                       be ? "big" : "little", machine);
  };
  c.v.elf_problem = fmt::format("the file is {}; the kernel takes {}",
                                kind(c.m.elf_class, c.m.big_endian, c.m.machine),
                                kind(elf.elf_class, elf.big_endian, elf.machine));
  if (e_type != kEtRel) {
    if (prints_elf_errors(c.k))
      c.say(fmt::format("Invalid ELF header type: {} != {}", e_type, kEtRel), kElfInvalid);
    return c.fail(ENOEXEC, Stage::kElfValidity);
  }
  if (e_machine != elf.machine) {
    if (prints_elf_errors(c.k))
      c.say(fmt::format("Invalid architecture in ELF header: {}", e_machine), kElfInvalid);
    return c.fail(ENOEXEC, Stage::kElfValidity);
  }
  if (c.m.elf_class != 0 && elf.elf_class != 0 && c.m.elf_class != elf.elf_class)
    return c.fail(ENOEXEC, Stage::kElfValidity);
  c.v.elf_problem.clear();
  return true;
}

}  // namespace ofsck::check::load
