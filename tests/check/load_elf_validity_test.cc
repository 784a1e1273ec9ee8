// load/elf_validity.cc: another architecture, byte order or ELF class is refused by
// elf_validity_ehdr() (ENOEXEC) before vermagic is read.
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

TEST(LoadElfValidity, ArchitectureByteOrderClass) {
  run_rows(facts_61(), {
                           {"x86-64 module", no_change(), true, 0, Stage::kNone, {}},
                           {"i386 module (ELF32, EM_386), even with another vermagic",
                            [](auto&, model::ModuleFile& m, auto&) {
                              m.elf_class = 1;
                              m.machine = kEm386;
                              m.info.vermagic = "6.1.0-47-686 SMP mod_unload modversions 686 ";
                            },
                            false,
                            ENOEXEC,
                            Stage::kElfValidity,
                            {"Invalid architecture in ELF header: 3"}},
                           {"big-endian x86-64: the kernel reads e_type byte-swapped",
                            [](auto&, model::ModuleFile& m, auto&) { m.big_endian = true; },
                            false,
                            ENOEXEC,
                            Stage::kElfValidity,
                            {"Invalid ELF header type: 256 != 1"}},
                           {"ELF32 with the right e_machine: refused, line unknowable",
                            [](auto&, model::ModuleFile& m, auto&) { m.elf_class = 1; },
                            false,
                            ENOEXEC,
                            Stage::kElfValidity,
                            {}},
                           {"a 5.10 kernel says nothing",
                            [](model::KernelFacts& k, model::ModuleFile& m, auto&) {
                              k.major = 5;
                              k.minor = 10;
                              m.machine = kEm386;
                            },
                            false,
                            ENOEXEC,
                            Stage::kElfValidity,
                            {}},
                           {"kernel ELF kind unknown: not judged",
                            [](model::KernelFacts& k, model::ModuleFile& m, auto&) {
                              k.elf.machine = 0;
                              m.machine = kEm386;
                            },
                            true,
                            0,
                            Stage::kNone,
                            {}},
                       });
}

TEST(LoadElfValidity, ComesAfterSignatureBeforeBlacklist) {
  model::KernelFacts k = facts_61();
  k.module_blacklist = {"labhello"};
  model::ModuleFile m = module_for(k);
  m.machine = kEm386;
  LoadVerdict v = simulate_load(k, signed_ok(), m, {});
  EXPECT_EQ(v.stage, Stage::kElfValidity);
  EXPECT_EQ(rule_of(v, "Invalid architecture in ELF header: 3"), kElfInvalid);
  EXPECT_NE(v.elf_problem.find("64-bit little-endian, e_machine 3"), std::string::npos)
      << v.elf_problem;
  SigVerdict bad;
  bad.status = SigStatus::kBadMessage;
  EXPECT_EQ(simulate_load(k, bad, m, {}).stage, Stage::kSignature);
}

}  // namespace
}  // namespace ofsck::check::testing
