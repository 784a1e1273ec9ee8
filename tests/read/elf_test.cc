// Era fixtures (yaml2obj-14, tests/fixtures/elf/*.yaml) for the export/import layouts that no
// shipped Debian package has: E0–E3 and E7, ELF32 (REL relocations) and big-endian.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "read/buffer.hpp"
#include "read/elf/elf_file.hpp"
#include "read/module_reader.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

namespace fs = std::filesystem;

/// Converts tests/fixtures/elf/<name> with yaml2obj-14 and returns the object's path.
std::string build_fixture(const std::string& name) {
  static std::string dir = testdata::make_temp_dir("elf");
  std::string src = testdata::source_dir() + "/tests/fixtures/elf/" + name;
  std::string out = dir + "/" + name + ".o";
  int status = 0;
  std::string log = testdata::run("yaml2obj-14 '" + src + "' -o '" + out + "' 2>&1", &status);
  EXPECT_EQ(status, 0) << log;
  return out;
}

struct Want {
  std::string name;
  bool gpl;
  std::string ns;
  uint32_t crc;
};

const std::vector<Want> kPlainNoNs = {{"alpha_fn", false, "", 0x11111111},
                                      {"beta_fn", false, "", 0x22222222},
                                      {"gamma_fn", true, "", 0x33333333},
                                      {"delta_fn", true, "", 0x44444444}};
const std::vector<Want> kWithNs = {{"alpha_fn", false, "", 0x11111111},
                                   {"beta_fn", false, "FOO_NS", 0x22222222},
                                   {"gamma_fn", true, "", 0x33333333},
                                   {"delta_fn", true, "BAR_NS", 0x44444444}};

model::ModuleFile read_fixture(const std::string& name) {
  std::string p = build_fixture(name);
  Result<model::ModuleFile> m = read_module(p);
  EXPECT_TRUE(m) << (m ? "" : to_string(m.error()));
  if (!m) return {};
  // The in-memory path must agree with the pread path.
  Result<Buffer> b = read_file_buffer(p);
  EXPECT_TRUE(b);
  Result<model::ModuleFile> m2 = read_module_bytes(b->span(), p);
  EXPECT_TRUE(m2);
  if (m2) {
    EXPECT_EQ(m2->exports.size(), m->exports.size());
    EXPECT_EQ(m2->imports.size(), m->imports.size());
  }
  return *m;
}

void expect_exports(const model::ModuleFile& m, const std::vector<Want>& want) {
  std::map<std::string, const model::Export*> got;
  for (const model::Export& e : m.exports) got[e.name] = &e;
  ASSERT_EQ(m.exports.size(), want.size()) << m.export_era;
  for (const Want& w : want) {
    SCOPED_TRACE(w.name);
    ASSERT_TRUE(got.count(w.name));
    const model::Export& e = *got[w.name];
    EXPECT_EQ(e.gpl_only, w.gpl);
    EXPECT_EQ(e.ns, w.ns);
    ASSERT_TRUE(e.crc.has_value());
    EXPECT_EQ(*e.crc, w.crc);
  }
}

void expect_common(const model::ModuleFile& m) {
  ASSERT_EQ(m.imports.size(), 4u);
  EXPECT_EQ(m.imports[0].name, "printk");
  EXPECT_EQ(*m.imports[0].crc, 0xa1b2c3d4u);
  EXPECT_FALSE(m.imports[0].weak);
  EXPECT_TRUE(m.imports[2].weak);
  EXPECT_EQ(m.imports[2].name, "maybe_sym");
  EXPECT_EQ(m.imports[3].name, "module_layout");
  EXPECT_FALSE(m.imports[3].in_symtab);
  EXPECT_EQ(*m.imports[3].crc, 0x160c03afu);
  EXPECT_TRUE(m.has_versions);
  EXPECT_TRUE(m.has_kcrctab);
  EXPECT_EQ(m.info.name, "fixture");
  EXPECT_EQ(m.info.license, "GPL");
  EXPECT_EQ(m.info.depends, (std::vector<std::string>{"dep_a", "dep-b"}));
  EXPECT_EQ(m.info.alias.size(), 2u);
  EXPECT_EQ(m.info.import_ns, std::vector<std::string>{"FOO_NS"});
  EXPECT_TRUE(m.info.intree);
  EXPECT_TRUE(m.info.retpoline);
  EXPECT_FALSE(m.info.staging);
  EXPECT_EQ(m.info.softdep, std::vector<std::string>{"pre: crc32c"});
  EXPECT_EQ(m.info.firmware, std::vector<std::string>{"fix/fw.bin"});
  EXPECT_EQ(m.info.parm, std::vector<std::string>{"debug:enable debug (int)"});
  EXPECT_EQ(m.info.srcversion, "0123456789ABCDEF");
  EXPECT_EQ(m.modinfo_sections, 1u);
  EXPECT_EQ(m.this_module_sections, 1u);
  EXPECT_EQ(m.symtab_sections, 1u);
  EXPECT_GT(m.this_module_size, 0u);
  EXPECT_EQ(m.sig.kind, model::SigKind::kNone);
}

TEST(ElfEras, E0AbsoluteSixteenByteEntriesUlongKcrctab) {
  model::ModuleFile m = read_fixture("e0_x86_64.yaml");
  expect_exports(m, kPlainNoNs);
  expect_common(m);
  EXPECT_NE(m.export_era.find("E0"), std::string::npos) << m.export_era;
  EXPECT_EQ(m.elf_class, 2);
}

TEST(ElfEras, E1AbsoluteEntriesU32KcrctabRelocs) {
  model::ModuleFile m = read_fixture("e1_x86_64.yaml");
  expect_exports(m, kPlainNoNs);
  expect_common(m);
  EXPECT_NE(m.export_era.find("E1"), std::string::npos) << m.export_era;
}

TEST(ElfEras, E2Prel32EightByteEntriesSectionSymbolNames) {
  model::ModuleFile m = read_fixture("e2_x86_64.yaml");
  expect_exports(m, kPlainNoNs);
  expect_common(m);
  EXPECT_NE(m.export_era.find("E2"), std::string::npos) << m.export_era;
}

TEST(ElfEras, E3Linux54NamespaceLabelSpellingAndZeroNamespaceField) {
  model::ModuleFile m = read_fixture("e3_54_x86_64.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);
  EXPECT_NE(m.export_era.find("E3"), std::string::npos) << m.export_era;
}

TEST(ElfEras, E3Prel32TwelveByteEntriesKcrctabRelocs) {
  model::ModuleFile m = read_fixture("e3_x86_64.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);
  EXPECT_NE(m.export_era.find("E3"), std::string::npos) << m.export_era;
}

TEST(ElfEras, E4LiteralKcrctabLocalCrcLabels) {
  model::ModuleFile m = read_fixture("e4_x86_64.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);
  EXPECT_NE(m.export_era.find("E4"), std::string::npos) << m.export_era;
}

TEST(ElfEras, E7SingleKsymtabWithKflagstab) {
  model::ModuleFile m = read_fixture("e7_x86_64.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);
  EXPECT_NE(m.export_era.find("E7"), std::string::npos) << m.export_era;
}

TEST(ElfEras, E1Elf32I386RelImplicitAddends) {
  model::ModuleFile m = read_fixture("e1_i386_rel.yaml");
  expect_exports(m, kPlainNoNs);
  expect_common(m);
  EXPECT_EQ(m.elf_class, 1);
  EXPECT_EQ(m.machine, 3);
}

TEST(ElfEras, E3Elf32I386TwelveByteAbsoluteWithSectionSymbolAddends) {
  model::ModuleFile m = read_fixture("e3_i386_rel.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);
}

TEST(ElfEras, E4BigEndianPpc64DotSymbols) {
  model::ModuleFile m = read_fixture("e4_ppc64_be.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);  // leading '.' stripped from imports and __versions names
  EXPECT_TRUE(m.big_endian);
}

TEST(ElfEras, E3BigEndianS390x) {
  model::ModuleFile m = read_fixture("e3_s390x_be.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);
  EXPECT_TRUE(m.big_endian);
}

TEST(ElfVersions, ExtendedVersionTablesWinOverVersions) {
  model::ModuleFile m = read_fixture("e4_x86_64_ext_versions.yaml");
  EXPECT_TRUE(m.has_ext_versions);
  EXPECT_TRUE(m.ext_versions_problem.empty());
  // The fixture's ext CRCs are the bitwise complement of __versions'; module_layout is only
  // in __versions, so with ext tables it is no import at all.
  ASSERT_EQ(m.imports.size(), 3u);
  EXPECT_EQ(*m.imports[0].crc, ~0xa1b2c3d4u);
}

TEST(ElfHeader, ShnXindexEscapesForShnumAndShstrndx) {
  model::ModuleFile m = read_fixture("e4_x86_64_xindex.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);
}

}  // namespace
}  // namespace ofsck::read
