// Era fixtures (yaml2obj-14, tests/fixtures/elf/*.yaml) for the export/import layouts that no
// shipped Debian package has: E0–E3 and E7, ELF32 (REL relocations) and big-endian.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>

#include "read/buffer.hpp"
#include "read/cache.hpp"
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

// kernel/module/version.c check_version() (6.14+): "If we have extended version info, rely on
// it" — with both ext sections allocated, only they are searched. kmod reads __versions only.
TEST(ElfVersions, ExtendedVersionTablesWinOverVersions) {
  model::ModuleFile m = read_fixture("e4_x86_64_ext_versions.yaml");
  EXPECT_TRUE(m.has_ext_versions);
  EXPECT_TRUE(m.has_versions);
  EXPECT_TRUE(m.ext_versions_problem.empty());
  // The fixture's ext CRCs are the bitwise complement of __versions'.
  ASSERT_EQ(m.imports.size(), 4u);
  EXPECT_EQ(m.imports[0].name, "printk");
  EXPECT_EQ(*m.imports[0].crc, ~0xa1b2c3d4u);
  EXPECT_EQ(*m.imports[0].versions_crc, 0xa1b2c3d4u);
  // module_layout is only in __versions: a 6.14+ kernel finds no ext entry for it ("no
  // extended symbol version for module_layout"), kmod and older kernels do.
  EXPECT_EQ(m.imports[3].name, "module_layout");
  EXPECT_FALSE(m.imports[3].in_symtab);
  EXPECT_FALSE(m.imports[3].crc.has_value());
  EXPECT_EQ(*m.imports[3].versions_crc, 0x160c03afu);
}

TEST(ElfVersions, LongNameExistsOnlyInExtTables) {
  model::ModuleFile m = read_fixture("e4_x86_64_ext_long_name.yaml");
  EXPECT_TRUE(m.has_ext_versions);
  EXPECT_TRUE(m.ext_versions_problem.empty());
  const model::Import* lng = nullptr;
  for (const model::Import& i : m.imports)
    if (i.name.size() >= 56) lng = &i;
  ASSERT_NE(lng, nullptr);
  EXPECT_TRUE(lng->in_symtab);
  EXPECT_EQ(*lng->crc, ~0x5eed1e55u);
  EXPECT_FALSE(lng->versions_crc.has_value());  // modpost leaves it out of __versions
}

// find_sec() sees only SHF_ALLOC sections: unallocated ext tables do not exist for the
// kernel, which then checks __versions.
TEST(ElfVersions, UnallocatedExtTablesAreInvisibleToTheKernel) {
  model::ModuleFile m = read_fixture("e4_x86_64_ext_noalloc.yaml");
  EXPECT_FALSE(m.has_ext_versions);
  EXPECT_TRUE(m.ext_versions_problem.empty());
  expect_common(m);
  EXPECT_EQ(*m.imports[0].crc, 0xa1b2c3d4u);
  EXPECT_EQ(*m.imports[0].versions_crc, 0xa1b2c3d4u);
}

// elf_validity_cache_index_versions(): "If we have one field, we must have the other".
TEST(ElfVersions, OnlyOneAllocatedExtTableIsTheKernelsPresenceError) {
  model::ModuleFile m = read_fixture("e4_x86_64_ext_one_alloc.yaml");
  EXPECT_FALSE(m.has_ext_versions);
  EXPECT_EQ(m.ext_versions_problem, "extended version crc+name presence does not match");
  expect_common(m);
}

// The last name lost its NUL: the kernel counts 3 CRCs but finds 2 terminated names.
TEST(ElfVersions, MissingExtNameIsTheKernelsCountError) {
  model::ModuleFile m = read_fixture("e4_x86_64_ext_few_names.yaml");
  EXPECT_TRUE(m.has_ext_versions);
  EXPECT_EQ(m.ext_versions_problem, "more extended version crcs than names");
  ASSERT_GE(m.imports.size(), 3u);
  EXPECT_EQ(*m.imports[1].crc, ~0x0badf00du);
  EXPECT_FALSE(m.imports[2].crc.has_value());  // maybe_sym: its name was cut
}

// Issue 7 §2.b: `objcopy --set-section-flags __versions=contents,readonly` (and kmod's
// --force-modversion) leave __versions without SHF_ALLOC. kmod still reads it; the kernel
// does not see it.
TEST(ElfVersions, UnallocatedVersionsKeepsCrcsAndSaysSo) {
  model::ModuleFile m = read_fixture("e4_x86_64_versions_noalloc.yaml");
  EXPECT_TRUE(m.has_versions);
  EXPECT_FALSE(m.versions_alloc);
  expect_common(m);  // CRCs, module_layout included, as modinfo/depmod read them
  model::ModuleFile a = read_fixture("e4_x86_64.yaml");
  EXPECT_TRUE(a.versions_alloc);
}

// kmod_elf_get_dependency_symbols() skips STT_REGISTER undefined symbols on EM_SPARC and
// EM_SPARCV9; the sparc kernel's module_frob_arch_sections() makes them defined.
TEST(ElfEras, E3BigEndianSparc64AbsoluteEntriesSkipsRegisterSymbols) {
  model::ModuleFile m = read_fixture("e3_sparc64_be_registers.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);  // exactly printk, kmalloc_x, maybe_sym, module_layout
  EXPECT_TRUE(m.big_endian);
  EXPECT_EQ(m.elf_class, 2);
  EXPECT_EQ(m.machine, 43);  // EM_SPARCV9
  for (const model::Import& i : m.imports) EXPECT_NE(i.name, "sparc_g2_reg");
}

// The module cache (format 3) keeps both CRC views, the export tables and the flags.
TEST(ElfVersions, CacheRoundTripKeepsVersionViewsAndExportSections) {
  for (const char* name : {"e4_x86_64_ext_versions.yaml", "e4_x86_64_versions_noalloc.yaml",
                           "e7_x86_64.yaml", "e4_x86_64.yaml"}) {
    SCOPED_TRACE(name);
    model::ModuleFile m = read_fixture(name);
    model::ModuleFile back;
    ASSERT_TRUE(deserialize_module(serialize_module(m), back));
    EXPECT_EQ(back.versions_alloc, m.versions_alloc);
    EXPECT_EQ(back.has_ext_versions, m.has_ext_versions);
    EXPECT_EQ(back.has_kflagstab, m.has_kflagstab);
    ASSERT_EQ(back.imports.size(), m.imports.size());
    for (size_t i = 0; i < m.imports.size(); ++i) {
      EXPECT_EQ(back.imports[i].crc, m.imports[i].crc);
      EXPECT_EQ(back.imports[i].versions_crc, m.imports[i].versions_crc);
    }
    ASSERT_EQ(back.exports.size(), m.exports.size());
    for (size_t i = 0; i < m.exports.size(); ++i)
      EXPECT_EQ(back.exports[i].section, m.exports[i].section);
  }
}

TEST(ElfEras, ExportSectionsAreRecorded) {
  model::ModuleFile m = read_fixture("e4_x86_64.yaml");
  EXPECT_FALSE(m.has_kflagstab);
  for (const model::Export& e : m.exports)
    EXPECT_EQ(e.section, e.gpl_only ? model::KsymtabSection::kGpl : model::KsymtabSection::kKsymtab)
        << e.name;
  model::ModuleFile k = read_fixture("e7_x86_64.yaml");
  EXPECT_TRUE(k.has_kflagstab);
  for (const model::Export& e : k.exports) EXPECT_EQ(e.section, model::KsymtabSection::kKsymtab);
}

TEST(ElfHeader, ShnXindexEscapesForShnumAndShstrndx) {
  model::ModuleFile m = read_fixture("e4_x86_64_xindex.yaml");
  expect_exports(m, kWithNs);
  expect_common(m);
}

}  // namespace
}  // namespace ofsck::read

// ---- Malformed inputs: every case must give an Error naming file/section/offset or a valid
// result; never a crash, hang or out-of-bounds read (ASan/UBSan build).
namespace ofsck::read {
namespace {

std::vector<std::byte> load(const std::string& p) {
  Result<Buffer> b = read_file_buffer(p);
  EXPECT_TRUE(b);
  return std::vector<std::byte>(b->span().begin(), b->span().end());
}

uint64_t get64(const std::vector<std::byte>& v, uint64_t off) {
  uint64_t x;
  std::memcpy(&x, v.data() + off, 8);
  return x;
}
void put64(std::vector<std::byte>& v, uint64_t off, uint64_t x) {
  std::memcpy(v.data() + off, &x, 8);
}
void put16(std::vector<std::byte>& v, uint64_t off, uint16_t x) {
  std::memcpy(v.data() + off, &x, 2);
}

/// File offset of section `name`'s header in an ELF64 LE image.
uint64_t shdr_of(const std::vector<std::byte>& v, const std::string& name) {
  elf::MemorySource src(v, "x");
  Result<elf::ElfFile> f = elf::ElfFile::parse(src);
  EXPECT_TRUE(f);
  const elf::Section* s = f->find(name);
  EXPECT_NE(s, nullptr) << name;
  return get64(v, 0x28) + uint64_t{s->index} * 64;
}

Result<model::ModuleFile> parse(const std::vector<std::byte>& v) {
  return read_module_bytes(v, "bad.ko");
}

void expect_error(const std::vector<std::byte>& v, const std::string& needle) {
  Result<model::ModuleFile> m = parse(v);
  ASSERT_FALSE(m) << "expected an error mentioning " << needle;
  std::string text = to_string(m.error());
  EXPECT_NE(text.find("bad.ko"), std::string::npos) << text;
  EXPECT_NE(text.find(needle), std::string::npos) << text;
}

TEST(ElfMalformed, LyingShOffsetAndShSize) {
  std::vector<std::byte> v = load(build_fixture("e4_x86_64.yaml"));
  uint64_t h = shdr_of(v, "__versions");
  std::vector<std::byte> a = v;
  put64(a, h + 24, 0x7fffffff00);  // sh_offset
  expect_error(a, "section [");
  expect_error(a, "`__versions`");
  expect_error(a, "0x7fffffff00");
  std::vector<std::byte> b = v;
  put64(b, h + 32, UINT64_MAX - 4);  // sh_size: offset+size overflows
  expect_error(b, "__versions");
  std::vector<std::byte> c = v;
  put64(c, shdr_of(v, ".symtab") + 32, 0x100000000ull * 24);  // huge symbol count
  expect_error(c, ".symtab");
}

TEST(ElfMalformed, OverlappingSections) {
  std::vector<std::byte> v = load(build_fixture("e4_x86_64.yaml"));
  uint64_t a = shdr_of(v, "__versions"), b = shdr_of(v, ".modinfo");
  put64(v, a + 24, get64(v, b + 24) + 1);
  expect_error(v, "overlaps");
}

TEST(ElfMalformed, HugeShnumAndBadShstrndx) {
  std::vector<std::byte> v = load(build_fixture("e4_x86_64.yaml"));
  std::vector<std::byte> a = v;
  put16(a, 0x3c, 0xfff0);  // e_shnum
  expect_error(a, "section header table");
  std::vector<std::byte> b = v;
  put16(b, 0x3e, 0xfff0);  // e_shstrndx
  expect_error(b, "e_shstrndx");
  std::vector<std::byte> c = v;
  put16(c, 0x3a, 0x20);  // e_shentsize
  expect_error(c, "e_shentsize");
  std::vector<std::byte> d = v;
  put64(d, 0x28, UINT64_MAX - 8);  // e_shoff
  expect_error(d, "section header table");
}

TEST(ElfMalformed, UnterminatedStrtab) {
  std::vector<std::byte> v = load(build_fixture("e4_x86_64.yaml"));
  uint64_t h = shdr_of(v, ".strtab");
  uint64_t end = get64(v, h + 24) + get64(v, h + 32);
  v[end - 1] = std::byte{'x'};
  expect_error(v, "not NUL-terminated");
}

TEST(ElfMalformed, VersionsNameWithoutNul) {
  std::vector<std::byte> v = load(build_fixture("e4_x86_64.yaml"));
  uint64_t off = get64(v, shdr_of(v, "__versions") + 24);
  for (int i = 8; i < 64; ++i) v[off + i] = std::byte{'A'};
  expect_error(v, "not NUL-terminated");
}

TEST(ElfMalformed, RelocationSymbolOutOfRange) {
  std::vector<std::byte> v = load(build_fixture("e4_x86_64.yaml"));
  uint64_t off = get64(v, shdr_of(v, ".rela__ksymtab") + 24);
  put64(v, off + 8, (uint64_t{0xffffff} << 32) | 2);  // r_info: sym 0xffffff, PC32
  expect_error(v, "refers to symbol");
}

TEST(ElfMalformed, NotElfAndTinyFiles) {
  expect_error({}, "too small");
  std::vector<std::byte> v(64, std::byte{0});
  expect_error(v, "bad magic");
  v[0] = std::byte{0x7f};
  v[1] = std::byte{'E'};
  v[2] = std::byte{'L'};
  v[3] = std::byte{'F'};
  v[4] = std::byte{3};
  expect_error(v, "ELF class");
}

TEST(ElfMalformed, EveryPrefixOfFixtureAndRealModule) {
  std::vector<std::vector<std::byte>> inputs = {load(build_fixture("e4_x86_64.yaml")),
                                                load(build_fixture("e1_i386_rel.yaml"))};
  // The smallest module of the real tree (a few KiB, signed).
  std::string real = testdata::module_dir(testdata::kOld61) + "/kernel/net/6lowpan/nhc_ipv6.ko";
  if (testdata::exists(real)) inputs.push_back(load(real));
  for (const std::vector<std::byte>& full : inputs) {
    Result<model::ModuleFile> whole = read_module_bytes(full, "full.ko");
    ASSERT_TRUE(whole) << to_string(whole.error());
    size_t ok = 0;
    for (size_t n = 0; n < full.size(); ++n) {
      Result<model::ModuleFile> m = read_module_bytes(std::span(full).first(n), "prefix.ko");
      if (m) ++ok;
      else EXPECT_EQ(m.error().where.path, "prefix.ko");
    }
    // A truncated signed module parses as long as the ELF part is intact (the signature
    // trailer is then simply absent or broken).
    EXPECT_LT(ok, full.size());
  }
}

}  // namespace
}  // namespace ofsck::read
