// check_param_value(): kernel/params.c param_set_*() and lib/kstrtox.c on one value, with the
// parmtypes of real modules of Debian's 6.1 kernel (read from the .ko files).
#include "check/param_value.hpp"

#include <gtest/gtest.h>

#include "check/effective_options.hpp"
#include "read/module_reader.hpp"
#include "testdata.hpp"

namespace ofsck::check {
namespace {

namespace td = testdata;

const ParamKernel k61{6, 1};

/// errno of the rejection, "" when accepted.
std::string judge(std::string_view type, std::optional<std::string_view> v,
                  const ParamKernel& k = k61) {
  auto r = check_param_value("m", "p", type, v, k);
  return r ? r->errno_name : "";
}

TEST(ParamValue, IntegersAsKstrtox) {
  EXPECT_EQ(judge("int", "12"), "");
  EXPECT_EQ(judge("int", "0x1f"), "");      // base 0: hex
  EXPECT_EQ(judge("int", "017"), "");       // base 0: octal
  EXPECT_EQ(judge("int", "08"), "EINVAL");  // octal has no 8
  EXPECT_EQ(judge("int", "+5"), "");
  EXPECT_EQ(judge("int", "-2147483648"), "");
  EXPECT_EQ(judge("int", "-2147483649"), "ERANGE");
  EXPECT_EQ(judge("int", "2147483648"), "ERANGE");
  EXPECT_EQ(judge("int", "12\n"), "");  // one trailing newline is allowed
  EXPECT_EQ(judge("int", "12 "), "EINVAL");
  EXPECT_EQ(judge("int", "abc"), "EINVAL");
  EXPECT_EQ(judge("int", ""), "EINVAL");
  EXPECT_EQ(judge("int", "0x"), "EINVAL");  // "0" in octal, then 'x'
  EXPECT_EQ(judge("int", "-+1"), "EINVAL");
  EXPECT_EQ(judge("uint", "-1"), "EINVAL");  // kstrtouint takes no '-'
  EXPECT_EQ(judge("uint", "4294967295"), "");
  EXPECT_EQ(judge("uint", "4294967296"), "ERANGE");
  EXPECT_EQ(judge("byte", "255"), "");
  EXPECT_EQ(judge("byte", "256"), "ERANGE");
  EXPECT_EQ(judge("short", "-32768"), "");
  EXPECT_EQ(judge("short", "32768"), "ERANGE");
  EXPECT_EQ(judge("ushort", "65536"), "ERANGE");
  EXPECT_EQ(judge("ulong", "18446744073709551615"), "");
  EXPECT_EQ(judge("ulong", "18446744073709551616"), "ERANGE");
  EXPECT_EQ(judge("long", "-9223372036854775808"), "");
  EXPECT_EQ(judge("long", "9223372036854775808"), "ERANGE");
  EXPECT_EQ(judge("hexint", "0xdeadbeef"), "");
  // Before 5.x a value that fits a long but not the type was EINVAL, not ERANGE.
  EXPECT_EQ(judge("int", "2147483648", ParamKernel{3, 10}), "ERANGE or EINVAL");
}

TEST(ParamValue, BoolSpellingsByGeneration) {
  for (const char* yes : {"1", "y", "Y", "yes", "n", "N", "0", "no", "1abc"})
    EXPECT_EQ(judge("bool", yes), "") << yes;
  EXPECT_EQ(judge("bool", "on"), "");  // kstrtobool() since 4.6
  EXPECT_EQ(judge("bool", "OFF"), "");
  EXPECT_EQ(judge("bool", "on", ParamKernel{4, 5}), "EINVAL");  // strtobool(): [yYnN01] only
  EXPECT_EQ(judge("bool", "on", ParamKernel{3, 10}), "EINVAL");
  EXPECT_EQ(judge("bool", "true"), "EINVAL");
  EXPECT_EQ(judge("bool", "o"), "EINVAL");
  EXPECT_EQ(judge("bool", ""), "EINVAL");
  EXPECT_EQ(judge("invbool", "2"), "EINVAL");
  EXPECT_EQ(judge("bint", "y"), "");
  // A bare parameter: only bool and bint take no value (KERNEL_PARAM_OPS_FL_NOARG).
  EXPECT_EQ(judge("bool", std::nullopt), "");
  EXPECT_EQ(judge("bint", std::nullopt), "");
  EXPECT_EQ(judge("invbool", std::nullopt), "EINVAL");
  EXPECT_EQ(judge("int", std::nullopt), "EINVAL");
  EXPECT_EQ(judge("charp", std::nullopt), "EINVAL");
}

TEST(ParamValue, CharpArraysAndOthers) {
  EXPECT_EQ(judge("charp", std::string(1024, 'a')), "");
  EXPECT_EQ(judge("charp", std::string(1025, 'a')), "ENOSPC");
  EXPECT_EQ(judge("array of int", "1,2,3"), "");
  EXPECT_EQ(judge("array of int", "1,,3"), "EINVAL");  // an empty element is kstrtoint("")
  EXPECT_EQ(judge("array of int", "1,x"), "EINVAL");
  EXPECT_EQ(judge("array of bool", "1,0,on"), "");
  EXPECT_EQ(judge("array of charp", "a,b"), "");
  // Types with their own kernel_param_ops are not judged.
  EXPECT_EQ(judge("xint", "zz"), "");
  EXPECT_EQ(judge("string", "anything"), "");
  EXPECT_FALSE(judged("xint"));
  EXPECT_TRUE(judged("array of ulong"));
  auto r = check_param_value("e1000e", "IntMode", "array of int", "1,x", k61);
  ASSERT_TRUE(r);
  // param_array() writes a NUL over each comma it passes, so parse_args() prints the value's
  // first element only.
  EXPECT_EQ(r->kernel_message, "e1000e: `1' invalid for parameter `IntMode'");
  r = check_param_value("dummy", "numdummies", "int", "two", k61);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kernel_message, "dummy: `two' invalid for parameter `numdummies'");
}

// param_array(): at most kparam_array::max elements, counted as commas + 1 (an empty value or a
// trailing comma is one more element, set("") like any other); the count check comes before
// each element's set(), so a bad element past the limit is never parsed.
TEST(ParamValue, ArrayMaximum) {
  const ParamKernel k61{6, 1};
  const ArrayMax two{true, 2}, unknown{};
  auto judge = [&](std::string_view type, std::string_view v, ArrayMax m) -> std::string {
    auto r = check_param_value("m", "p", type, v, k61, m);
    return r ? r->errno_name + (r->array_message.empty() ? "" : " " + r->array_message) : "";
  };
  EXPECT_EQ(judge("array of int", "1,2", two), "");
  EXPECT_EQ(judge("array of int", "1,2,3", two), "EINVAL p: can only take 2 arguments");
  EXPECT_EQ(judge("array of int", "1,2,x", two), "EINVAL p: can only take 2 arguments");
  EXPECT_EQ(judge("array of int", "1,2,", two), "EINVAL p: can only take 2 arguments");
  EXPECT_EQ(judge("array of int", "1,", two), "EINVAL");     // kstrtoint("") of the 2nd element
  EXPECT_EQ(judge("array of int", "x,2,3", two), "EINVAL");  // the bad element comes first
  EXPECT_EQ(judge("array of charp", ",", two), "");
  EXPECT_EQ(judge("array of charp", ",,", two), "EINVAL p: can only take 2 arguments");
  EXPECT_EQ(judge("array of int", "1,2,3,4,5", unknown), "");  // never guessed
  EXPECT_EQ(judge("array of bool", "1,0,1", ArrayMax{true, 1}),
            "EINVAL p: can only take 1 arguments");
  auto r = check_param_value("snd_hda_intel", "index", "array of int", "3,4,5", k61, two);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kernel_message, "snd_hda_intel: `3' invalid for parameter `index'");
  EXPECT_EQ(r->array_message, "index: can only take 2 arguments");
  EXPECT_NE(r->why.find("3 values"), std::string::npos) << r->why;
  EXPECT_EQ(array_count_text("1,2,3", two), "3 values, at most 2");
  EXPECT_EQ(array_count_text("1", unknown), "1 value; maximum not known");
}

// The parmtypes come from the modules themselves: nvme-core declares max_retries as a byte and
// multipath as a bool, e1000e IntMode as an array of int.
TEST(ParamValue, RealModulesParmtypes) {
  const std::string dir = td::module_dir(td::kOld61);
  OFSCK_REQUIRE_DATA(dir);
  auto type_of = [&](const std::string& rel, const std::string& param) -> std::string {
    auto m = read::read_module(dir + "/" + rel);
    EXPECT_TRUE(m) << rel;
    if (!m) return "";
    for (const auto& pt : m->info.parmtype)
      if (pt.substr(0, pt.find(':')) == param) return pt.substr(pt.find(':') + 1);
    return "";
  };
  const std::string retries = type_of("kernel/drivers/nvme/host/nvme-core.ko", "max_retries");
  EXPECT_EQ(retries, "byte");
  EXPECT_EQ(judge(retries, "300"), "ERANGE");
  EXPECT_EQ(type_of("kernel/drivers/nvme/host/nvme-core.ko", "multipath"), "bool");
  const std::string intmode =
      type_of("kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko", "IntMode");
  EXPECT_EQ(intmode, "array of int");
  EXPECT_EQ(judge(intmode, "2,2,msix"), "EINVAL");
}

// next_arg(): quotes group and are removed from the value the parameter's set() receives.
TEST(ParamValue, SplitOptionsAsNextArg) {
  auto w = split_options("a=1  b=\"x y\" \"c=2\" d e=\"q\"z \t f=", SourceRef{"f.conf", 3});
  ASSERT_EQ(w.size(), 6u);
  EXPECT_EQ(w[0].param, "a");
  EXPECT_EQ(w[0].kernel_value, "1");
  EXPECT_EQ(w[1].param, "b");
  EXPECT_EQ(w[1].value, "\"x y\"");
  EXPECT_EQ(w[1].kernel_value, "x y");
  EXPECT_EQ(w[2].param, "c");
  EXPECT_EQ(w[2].kernel_value, "2");
  EXPECT_EQ(w[3].param, "d");
  EXPECT_FALSE(w[3].has_value);
  EXPECT_EQ(w[4].param, "e");
  EXPECT_EQ(w[4].kernel_value, "q\"z");  // the opening quote goes; no closing quote at the end
  EXPECT_EQ(w[5].param, "f");
  EXPECT_TRUE(w[5].has_value);
  EXPECT_EQ(w[5].kernel_value, "");
  EXPECT_EQ(w[5].where.line, 3);
  EXPECT_TRUE(param_eq("max-retries", "max_retries"));
}

}  // namespace
}  // namespace ofsck::check
