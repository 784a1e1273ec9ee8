// decode_param_arrays(): array parameter maxima (struct kparam_array::max) from __param and
// .rela__param of real Debian modules, checked against the kernel source of each driver, and
// garbled copies of one that must leave the maximum unknown rather than guessed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <map>

#include "read/buffer.hpp"
#include "read/module_reader.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

namespace td = ofsck::testdata;

std::map<std::string, uint32_t> maxima(const model::ModuleFile& m) {
  std::map<std::string, uint32_t> out;
  for (const auto& a : m.param_arrays) out[a.name] = a.max;
  return out;
}

std::string find_module(const std::string& kver, const std::string& name) {
  return td::run("find '" + td::module_dir(kver) + "' -name '" + name +
                 ".ko*' | head -1 | tr -d '\\n'");
}

// sound/pci/hda/hda_intel.c: index/id/enable/model/position_fix/... are
// module_param_array(x, type, NULL, 0444) over arrays of SNDRV_CARDS, which is
// CONFIG_SND_MAX_CARDS (32 in every Debian config) with CONFIG_SND_DYNAMIC_MINORS=y.
// drivers/net/ethernet/intel/e1000e/param.c: E1000_PARAM() arrays are int X[E1000_MAX_NIC + 1]
// with E1000_MAX_NIC 32, so 33 values; copybreak is a plain uint, not an array.
TEST(ParamArrays, RealModulesEveryGeneration) {
  std::vector<std::string> kvers = {td::kOld61, td::k612};
  if (!td::k7().empty()) kvers.push_back(td::k7());
  for (const std::string& kv : kvers) {
    OFSCK_REQUIRE_DATA(td::module_dir(kv));
    auto hda = read_module(find_module(kv, "snd-hda-intel"));
    ASSERT_TRUE(hda) << kv << ": " << hda.error().message;
    EXPECT_TRUE(hda->param_arrays_read) << kv;
    auto h = maxima(*hda);
    for (const char* p : {"index", "id", "enable", "model", "position_fix", "bdl_pos_adj"})
      EXPECT_EQ(h[p], 32u) << kv << " snd-hda-intel " << p;
    auto e1k = read_module(find_module(kv, "e1000e"));
    ASSERT_TRUE(e1k) << kv;
    auto e = maxima(*e1k);
    for (const char* p :
         {"TxIntDelay", "RxIntDelay", "InterruptThrottleRate", "IntMode", "SmartPowerDownEnable",
          "KumeranLockLoss", "WriteProtectNVM", "CrcStripping"})
      EXPECT_EQ(e[p], 33u) << kv << " e1000e " << p;
    EXPECT_EQ(e.count("copybreak"), 0u) << kv;
    EXPECT_EQ(e.size(), 10u) << kv;  // the 10 E1000_PARAM() arrays of param.c
  }
}

// A module without __param (no parameters) is decoded with nothing in it.
TEST(ParamArrays, NoParamSection) {
  OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
  auto m = read_module(find_module(td::kOld61, "crc32_generic"));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->param_arrays_read);
  EXPECT_TRUE(m->param_arrays.empty());
}

// Every `array of` parmtype of every module of a real tree has its maximum read (x86_64 is a
// decoded layout: no maximum may be missing), and no decoded name lacks a parmtype.
TEST(ParamArrays, WholeTreeEveryArrayHasItsMaximum) {
  const std::string dir = td::module_dir(td::kOld61);
  OFSCK_REQUIRE_DATA(dir);
  const std::string list = td::run("find '" + dir + "' -name '*.ko*'");
  size_t modules = 0, arrays = 0, pos = 0;
  ReadOptions o;
  o.modinfo_text = false;
  while (pos < list.size()) {
    const size_t nl = list.find('\n', pos);
    const std::string path = list.substr(pos, nl - pos);
    pos = nl == std::string::npos ? list.size() : nl + 1;
    auto m = read_module(path, o);
    ASSERT_TRUE(m) << path;
    ++modules;
    ASSERT_TRUE(m->param_arrays_read) << path;
    auto got = maxima(*m);
    size_t want = 0;
    for (const std::string& pt : m->info.parmtype) {
      const size_t colon = pt.find(':');
      if (pt.compare(colon + 1, 9, "array of ") != 0) continue;
      ++want;
      EXPECT_GT(got[pt.substr(0, colon)], 0u) << path << " " << pt;
    }
    EXPECT_EQ(m->param_arrays.size(), want) << path;
    arrays += want;
  }
  EXPECT_GT(modules, 3000u);
  EXPECT_GT(arrays, 100u);
  std::printf("%zu modules, %zu array parameters, every maximum read\n", modules, arrays);
}

/// A plain ELF64 LE section header field editor over a module's bytes.
struct Elf64Edit {
  std::string bytes;
  uint64_t shoff() const { return get<uint64_t>(0x28); }
  uint16_t shnum() const { return get<uint16_t>(0x3c); }
  uint16_t shstrndx() const { return get<uint16_t>(0x3e); }
  template <class T>
  T get(uint64_t off) const {
    T v;
    std::memcpy(&v, bytes.data() + off, sizeof v);
    return v;
  }
  template <class T>
  void put(uint64_t off, T v) {
    std::memcpy(bytes.data() + off, &v, sizeof v);
  }
  uint64_t shdr(uint16_t i) const { return shoff() + 64ull * i; }
  /// Offset of the section header named `name`.
  uint64_t section(const std::string& name) const {
    const uint64_t strtab = get<uint64_t>(shdr(shstrndx()) + 0x18);
    for (uint16_t i = 0; i < shnum(); ++i)
      if (name == bytes.data() + strtab + get<uint32_t>(shdr(i))) return shdr(i);
    return 0;
  }
  Result<model::ModuleFile> read() const {
    return read_module_bytes(std::as_bytes(std::span(bytes.data(), bytes.size())), "edited.ko");
  }
};

class GarbledParam : public ::testing::Test {
 protected:
  void SetUp() override {
    OFSCK_REQUIRE_DATA(td::module_dir(td::kOld61));
    e.bytes = td::slurp(find_module(td::kOld61, "e1000e"));
    ASSERT_GT(e.bytes.size(), 1000u);
    rela = e.section(".rela__param");
    param = e.section("__param");
    ASSERT_NE(rela, 0u);
    ASSERT_NE(param, 0u);
  }
  Elf64Edit e;
  uint64_t rela = 0, param = 0;
};

// The relocation section no longer applies to __param: every maximum is unknown.
TEST_F(GarbledParam, NoRelocations) {
  e.put<uint32_t>(rela + 0x2c, 0);  // sh_info
  auto m = e.read();
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_FALSE(m->param_arrays_read);
  EXPECT_TRUE(m->param_arrays.empty());
}

// __param cut to its first entry (40 bytes): only the entries inside it are read.
TEST_F(GarbledParam, TruncatedSection) {
  e.put<uint64_t>(param + 0x20, 40);  // sh_size
  auto m = e.read();
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->param_arrays_read);
  ASSERT_EQ(m->param_arrays.size(), 1u);
  EXPECT_EQ(m->param_arrays[0].max, 33u);
}

// Every addend pushed far outside its target section: nothing is read, nothing is guessed,
// and the module itself still reads.
TEST_F(GarbledParam, TargetsOutOfBounds) {
  const uint64_t off = e.get<uint64_t>(rela + 0x18), size = e.get<uint64_t>(rela + 0x20);
  for (uint64_t r = off; r + 24 <= off + size; r += 24) e.put<int64_t>(r + 16, 1ll << 40);
  auto m = e.read();
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->param_arrays_read);
  EXPECT_TRUE(m->param_arrays.empty());
}

// Another machine (e_machine 0x28, ARM): the layout is not one this reader knows.
TEST_F(GarbledParam, OtherMachine) {
  e.put<uint16_t>(0x12, 40);
  auto m = e.read();
  if (!m) GTEST_SKIP() << "the edited module does not read at all: " << m.error().message;
  EXPECT_FALSE(m->param_arrays_read);
  EXPECT_TRUE(m->param_arrays.empty());
}

}  // namespace
}  // namespace ofsck::read
