#include "read/vmlinux_exports.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "read/kernel_image.hpp"
#include "read/text/symvers.hpp"
#include "testdata.hpp"

namespace ofsck::read {
namespace {

/// Module.symvers' vmlinux lines, sorted: "crc name type ns".
std::vector<std::string> lines(const std::vector<model::SymversEntry>& es) {
  std::vector<std::string> v;
  for (const auto& e : es)
    if (e.module == "vmlinux")
      v.push_back(
          fmt::format("0x{:08x}\t{}\t{}\t{}", e.crc.value_or(0), e.name, e.export_type, e.ns));
  std::sort(v.begin(), v.end());
  return v;
}

/// The image's exports equal the vmlinux lines of the kernel's own Module.symvers.
void expect_image_matches_symvers(const std::string& kver) {
  const std::string tree = testdata::tree(kver);
  auto img = find_kernel_image(tree, kver);
  ASSERT_TRUE(img) << "no image in " << tree;
  const std::string sv = testdata::symvers(kver);
  OFSCK_REQUIRE_DATA(sv);
  int major = 0, minor = 0;
  std::sscanf(kver.c_str(), "%d.%d", &major, &minor);
  auto ex = kernel_image_exports(img->path, major * 100 + minor);
  ASSERT_TRUE(ex) << to_string(ex.error());
  auto s = read_symvers_file(sv);
  ASSERT_TRUE(s);
  const auto want = lines(s->symvers.entries);
  const auto got = lines(ex->symvers.entries);
  ASSERT_GT(want.size(), 10000u);
  EXPECT_EQ(got.size(), want.size()) << ex->layout;
  size_t differ = 0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i)
    if (got[i] != want[i] && differ++ < 3) ADD_FAILURE() << got[i] << " != " << want[i];
  EXPECT_EQ(differ, 0u);
  EXPECT_EQ(ex->symvers.path, img->path);
  EXPECT_NE(ex->layout.find("PREL32 {value, name, namespace}"), std::string::npos) << ex->layout;
}

TEST(VmlinuxExports, Debian61OldImageEqualsItsSymvers) {
  expect_image_matches_symvers(testdata::kOld61);
}
TEST(VmlinuxExports, Debian61NewImageEqualsItsSymvers) {
  expect_image_matches_symvers(testdata::kNew61);
}
TEST(VmlinuxExports, Debian612ImageEqualsItsSymvers) {
  expect_image_matches_symvers(testdata::k612);
}
TEST(VmlinuxExports, Debian7ImageEqualsItsSymversFlagstabNoCrcs) {
  const std::string k7 = testdata::k7();
  if (k7.empty()) GTEST_SKIP() << "no 7.x kernel cached";
  expect_image_matches_symvers(k7);
}

// --- Synthetic images for the layouts no cached kernel has (absolute entries, ulong CRCs) ---

/// A minimal little-endian ELF64 ET_EXEC holding the given allocated sections at `addr`s.
struct Sec {
  std::string name;
  uint64_t addr;
  std::vector<std::byte> data;
};

void put(std::vector<std::byte>& b, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) b.push_back(std::byte(static_cast<uint8_t>(v >> (8 * i))));
}

std::vector<std::byte> make_elf(const std::vector<Sec>& secs) {
  std::vector<std::byte> out(64);
  std::string shstr(1, '\0');
  std::vector<std::pair<uint64_t, uint64_t>> where;  // offset, name offset
  for (const auto& s : secs) {
    while (out.size() % 8) out.push_back(std::byte{0});
    where.push_back({out.size(), shstr.size()});
    shstr += s.name + '\0';
    out.insert(out.end(), s.data.begin(), s.data.end());
  }
  const uint64_t shstr_off = out.size(), shstr_name = shstr.size();
  shstr += std::string(".shstrtab") + '\0';
  for (char c : shstr) out.push_back(std::byte(static_cast<uint8_t>(c)));
  while (out.size() % 8) out.push_back(std::byte{0});
  const uint64_t shoff = out.size();
  out.resize(out.size() + 64);  // null section
  auto header = [&](uint64_t name, uint32_t type, uint64_t flags, uint64_t addr, uint64_t off,
                    uint64_t size) {
    put(out, name, 4);
    put(out, type, 4);
    put(out, flags, 8);
    put(out, addr, 8);
    put(out, off, 8);
    put(out, size, 8);
    put(out, 0, 8);  // link, info
    put(out, 1, 8);  // addralign
    put(out, 0, 8);  // entsize
  };
  for (size_t i = 0; i < secs.size(); ++i)
    header(where[i].second, 1, 2, secs[i].addr, where[i].first, secs[i].data.size());
  header(shstr_name, 3, 0, 0, shstr_off, shstr.size() - 0);
  const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::memcpy(out.data(), ident, 16);
  std::vector<std::byte> eh;
  put(eh, 2, 2);      // ET_EXEC
  put(eh, 62, 2);     // EM_X86_64
  put(eh, 1, 4);      // e_version
  put(eh, 0, 8);      // e_entry
  put(eh, 0, 8);      // e_phoff
  put(eh, shoff, 8);  // e_shoff
  put(eh, 0, 4);      // e_flags
  put(eh, 64, 2);     // e_ehsize
  put(eh, 0, 2);      // e_phentsize
  put(eh, 0, 2);      // e_phnum
  put(eh, 64, 2);     // e_shentsize
  put(eh, secs.size() + 2, 2);
  put(eh, secs.size() + 1, 2);  // e_shstrndx
  std::memcpy(out.data() + 16, eh.data(), eh.size());
  return out;
}

constexpr uint64_t kStrings = 0xffffffff82000000, kTab = 0xffffffff81000000,
                   kGpl = 0xffffffff81001000, kCrc = 0xffffffff81002000,
                   kCrcGpl = 0xffffffff81003000;

/// A 3.x-era x86_64 image: absolute 16-byte {value, name} entries, unsigned long CRCs.
std::vector<Sec> old_layout() {
  std::vector<std::byte> strs;
  for (const char* s : {"printk", "", "module_layout", "", "usb_register_driver"})
    for (const char* p = s;; ++p) {
      strs.push_back(std::byte(static_cast<uint8_t>(*p)));
      if (!*p) break;
    }
  std::vector<std::byte> tab, gpl, crc, crc_gpl;
  put(tab, 0xffffffff81234560, 8);
  put(tab, kStrings, 8);  // "printk"
  put(tab, 0xffffffff81234570, 8);
  put(tab, kStrings + 8, 8);  // "module_layout"
  put(gpl, 0xffffffff81234580, 8);
  put(gpl, kStrings + 23, 8);  // "usb_register_driver"
  put(crc, 0x27e1a049, 8);
  put(crc, 0x8f1ad65b, 8);
  put(crc_gpl, 0x12345678, 8);
  return {{"__ksymtab", kTab, tab},
          {"__ksymtab_gpl", kGpl, gpl},
          {"__kcrctab", kCrc, crc},
          {"__kcrctab_gpl", kCrcGpl, crc_gpl},
          {"__ksymtab_strings", kStrings, strs}};
}

TEST(VmlinuxExports, AbsoluteEntriesWithUlongCrcs) {
  const auto elf = make_elf(old_layout());
  auto ex = parse_vmlinux_exports(elf, "old.elf", 310);
  ASSERT_TRUE(ex) << to_string(ex.error());
  EXPECT_EQ(ex->layout, "absolute {value, name}, __kcrctab");
  ASSERT_EQ(ex->symvers.entries.size(), 3u);
  EXPECT_EQ(ex->symvers.entries[0].name, "printk");
  EXPECT_EQ(ex->symvers.entries[0].crc, 0x27e1a049u);
  EXPECT_EQ(ex->symvers.entries[0].export_type, "EXPORT_SYMBOL");
  EXPECT_EQ(ex->symvers.entries[1].name, "module_layout");
  EXPECT_EQ(ex->symvers.entries[2].name, "usb_register_driver");
  EXPECT_EQ(ex->symvers.entries[2].export_type, "EXPORT_SYMBOL_GPL");
  EXPECT_TRUE(ex->symvers.entries[2].gpl_only());
  EXPECT_EQ(ex->symvers.entries[2].crc, 0x12345678u);
}

TEST(VmlinuxExports, NameOutsideTheStringsIsAnErrorNamingTheSection) {
  auto secs = old_layout();
  std::vector<std::byte> bad;
  put(bad, 0, 8);
  put(bad, kStrings + 0x1000, 8);  // past __ksymtab_strings
  secs[1].data = bad;
  auto ex = parse_vmlinux_exports(make_elf(secs), "bad.elf");
  ASSERT_FALSE(ex);
  EXPECT_NE(ex.error().message.find("__ksymtab_strings"), std::string::npos) << ex.error().message;
}

TEST(VmlinuxExports, CrcTableOfTheWrongSizeIsAnError) {
  auto secs = old_layout();
  secs[2].data.resize(12);
  auto ex = parse_vmlinux_exports(make_elf(secs), "crc.elf");
  ASSERT_FALSE(ex);
  EXPECT_NE(ex.error().message.find("not one CRC each"), std::string::npos) << ex.error().message;
}

TEST(VmlinuxExports, NotAVmlinux) {
  std::vector<Sec> secs = {{".text", kTab, std::vector<std::byte>(16)}};
  auto ex = parse_vmlinux_exports(make_elf(secs), "plain.elf");
  ASSERT_FALSE(ex);
  EXPECT_NE(ex.error().message.find("__ksymtab_strings"), std::string::npos);
  std::vector<std::byte> junk(100, std::byte{0x41});
  EXPECT_FALSE(parse_vmlinux_exports(junk, "junk"));
  EXPECT_FALSE(parse_vmlinux_exports({}, "empty"));
}

}  // namespace
}  // namespace ofsck::read
