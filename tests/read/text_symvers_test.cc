#include <gtest/gtest.h>

#include "read/text/symvers.hpp"
#include "text_test_util.hpp"

namespace ofsck::read {
namespace {

using model::SymversLayout;
using text_test::TempRoot;
using text_test::write_file;

TEST(Symvers, Pre54FourColumns) {
  auto p = parse_symvers("0xb352177e\tfind_first_bit\tvmlinux\tEXPORT_SYMBOL\n"
                         "0x00000001\tib_foo\tdrivers/infiniband/core/ib_core\tEXPORT_SYMBOL_GPL\n",
                         "Module.symvers");
  EXPECT_EQ(p.symvers.layout, SymversLayout::kPre54);
  ASSERT_EQ(p.symvers.entries.size(), 2u);
  EXPECT_EQ(*p.symvers.entries[0].crc, 0xb352177eu);
  EXPECT_EQ(p.symvers.entries[1].module, "drivers/infiniband/core/ib_core");
  EXPECT_TRUE(p.symvers.entries[1].gpl_only());
  EXPECT_TRUE(p.problems.empty());
}

TEST(Symvers, Layout54to59NamespaceThird) {
  auto p = parse_symvers("0x12345678\tusb_stor_x\tUSB_STORAGE\tdrivers/usb/storage/usb-storage\t"
                         "EXPORT_SYMBOL_GPL\n0x1\tprintk\t\tvmlinux\tEXPORT_SYMBOL\n",
                         "m");
  EXPECT_EQ(p.symvers.layout, SymversLayout::k54to59);
  ASSERT_EQ(p.symvers.entries.size(), 2u);
  EXPECT_EQ(p.symvers.entries[0].ns, "USB_STORAGE");
  EXPECT_EQ(p.symvers.entries[0].module, "drivers/usb/storage/usb-storage");
  EXPECT_EQ(p.symvers.entries[1].ns, "");
  EXPECT_EQ(p.symvers.entries[1].module, "vmlinux");
}

TEST(Symvers, Layout510NamespaceLastWithTrailingEmpty) {
  auto p = parse_symvers("0x1\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"
                         "0x2\tusb_stor_x\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\t"
                         "USB_STORAGE\n",
                         "m");
  EXPECT_EQ(p.symvers.layout, SymversLayout::k510plus);
  ASSERT_EQ(p.symvers.entries.size(), 2u);
  EXPECT_EQ(p.symvers.entries[0].ns, "");
  EXPECT_EQ(p.symvers.entries[1].ns, "USB_STORAGE");
  EXPECT_TRUE(p.problems.empty());
}

TEST(Symvers, BadLinesAreReportedWithLineNumbers) {
  auto p = parse_symvers("0x1\tok\tvmlinux\tEXPORT_SYMBOL\t\n"
                         "garbage\n"
                         "0xZZ\tbad\tvmlinux\tEXPORT_SYMBOL\t\n"
                         "0x1ffffffff\tbig\tvmlinux\tEXPORT_SYMBOL\t\n"
                         "0x1 spaces vmlinux EXPORT_SYMBOL\n"
                         "\n"
                         "0x1\told\tvmlinux\tEXPORT_SYMBOL\n",
                         "m");
  ASSERT_EQ(p.symvers.entries.size(), 2u);
  ASSERT_EQ(p.problems.size(), 6u);
  EXPECT_EQ(p.problems[0].where.line, 2u);
  EXPECT_EQ(p.problems[1].where.line, 3u);
  EXPECT_EQ(p.problems[2].where.line, 4u);
  EXPECT_EQ(p.problems[3].where.line, 5u);
  EXPECT_EQ(p.problems[4].where.line, 6u);
  EXPECT_EQ(p.problems[5].where.line, 7u);  // mixed layout
  EXPECT_EQ(p.lines, 7u);
  EXPECT_EQ(p.problems[0].where.text, "garbage");  // the line as read, for report/
  EXPECT_EQ(p.problems[4].where.text, "");
  EXPECT_EQ(parse_symvers("x\r\n", "m").problems.at(0).where.text, "x\r");
}

TEST(Symvers, DepmodViewDropsNamespacedAndKeepsVmlinuxOnly) {
  std::string data = "0x1\tprintk\t\tvmlinux\tEXPORT_SYMBOL\n"    // 5.4-5.9, empty ns: kept
                     "0x2\tnsd\tNS\tvmlinux\tEXPORT_SYMBOL\n"     // ns in 3rd column: dropped
                     "0x3\tmodsym\tdrivers/x\tEXPORT_SYMBOL\t\n"  // module export: dropped
                     "0x4\tthree\tvmlinux\n"                      // "vmlinux\n": dropped
                     "zz\tbadcrc\tvmlinux\tEXPORT_SYMBOL\n";
  std::vector<model::ConfigProblem> probs;
  auto v = depmod_symvers_view(data, "M", &probs);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].name, "printk");
  EXPECT_EQ(v[0].crc, 1u);
  ASSERT_EQ(probs.size(), 1u);
  EXPECT_EQ(probs[0].where.line, 5u);
}

TEST(Symvers, RealDebian61FileAndCompressedCopies) {
  std::string path = testdata::symvers(testdata::kOld61);
  OFSCK_REQUIRE_DATA(path);
  auto p_or = read_symvers_file(path);
  ASSERT_TRUE(p_or) << to_string(p_or.error());
  const auto& p = *p_or;
  EXPECT_EQ(p.symvers.layout, SymversLayout::k510plus);
  EXPECT_EQ(p.lines, 24618u);
  EXPECT_TRUE(p.problems.empty());
  ASSERT_EQ(p.symvers.entries.size(), 24618u);
  size_t vmlinux = 0, with_ns = 0;
  for (const auto& e : p.symvers.entries) {
    vmlinux += e.module == "vmlinux";
    with_ns += !e.ns.empty();
  }
  EXPECT_EQ(vmlinux, 10488u);
  EXPECT_EQ(p.symvers.entries.size() - vmlinux, 14130u);
  EXPECT_GT(with_ns, 0u);

  TempRoot r;
  std::string gz = r.path + "/symvers.gz", xz = r.path + "/symvers.xz", z = r.path + "/zl";
  int st = 0;
  testdata::run("gzip -c9 < '" + path + "' > " + gz, &st);
  ASSERT_EQ(st, 0);
  testdata::run("xz -c < '" + path + "' > " + xz, &st);
  ASSERT_EQ(st, 0);
  testdata::run("python3 -c \"import sys,zlib;sys.stdout.buffer.write(zlib.compress(open('" + path +
                    "','rb').read()))\" > " + z,
                &st);
  ASSERT_EQ(st, 0);
  for (const std::string& f : {gz, xz, z}) {
    auto c_or = read_symvers_file(f);
    ASSERT_TRUE(c_or) << to_string(c_or.error());
    EXPECT_EQ(c_or->symvers.entries.size(), 24618u) << f;
    EXPECT_EQ(c_or->symvers.entries.back().name, p.symvers.entries.back().name);
  }
  // Output cap and truncation.
  auto capped = read_symvers_file(gz, 1 << 20);
  ASSERT_FALSE(capped);
  EXPECT_EQ(capped.error().code, ErrorCode::kTooLarge);
  testdata::run("head -c 20000 " + xz + " > " + xz + ".cut; head -c 20000 " + gz + " > " + gz +
                ".cut");
  EXPECT_FALSE(read_symvers_file(xz + ".cut"));
  EXPECT_FALSE(read_symvers_file(gz + ".cut"));
}

TEST(SystemMap, DebianPlaceholderIsAnError) {
  std::string path = testdata::tree(testdata::kOld61) + "/boot/System.map-" + testdata::kOld61;
  OFSCK_REQUIRE_DATA(path);
  auto m = read_system_map_file(path);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("placeholder"), std::string::npos);
  EXPECT_NE(m.error().message.find("linux-image-<version>-dbg"), std::string::npos);
}

TEST(SystemMap, KsymtabNamesAndInvalidLines) {
  auto m = parse_system_map("ffffffff81000000 T _text\n"
                            "ffffffff82000000 r __ksymtab_printk\n"
                            "ffffffff82000010 r __ksymtab_gpl_thing\n"
                            "nospace\n"
                            "ffffffff82000020 R __kstrtab_printk\n",
                            "System.map");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->symvers.layout, SymversLayout::kSystemMap);
  ASSERT_EQ(m->symvers.entries.size(), 2u);
  EXPECT_EQ(m->symvers.entries[0].name, "printk");
  EXPECT_FALSE(m->symvers.entries[0].crc);
  EXPECT_EQ(m->symvers.entries[1].name, "gpl_thing");
  ASSERT_EQ(m->problems.size(), 1u);
  EXPECT_EQ(m->problems[0].where.line, 4u);
}

TEST(Symvers, MissingFileIsNotFound) {
  auto r = read_symvers_file("/nonexistent/Module.symvers");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ofsck::read
