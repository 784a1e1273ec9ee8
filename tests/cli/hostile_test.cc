// Issue 7 (3.h, 3.i, 2.g): a root of hostile strings. Real modules of a cached Debian tree, one
// whose .modinfo description was rewritten in place (same length) with invalid UTF-8 and
// terminal escapes, one under a file name that is not UTF-8, and modprobe.d/depmod.d lines with
// ESC, 0xff, 0xc3 0x28 and other control bytes. Every output must keep going (no exit 70),
// give JSON that parses, and print no raw control byte; the escaped forms must be there.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "testdata.hpp"

namespace ofsck {
namespace {

using testdata::run;
using testdata::slurp;

void spit(const std::string& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; !from.empty() && (pos = s.find(from, pos)) != std::string::npos;
       pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

/// The kernel whose modules the root borrows: Debian 6.1.0-56 when cached, else the newest 7.x.
std::string kernel() {
  if (testdata::exists(testdata::tree(testdata::kNew61))) return testdata::kNew61;
  return testdata::k7();
}

/// Python that checks stdin is JSON and prints nothing; exit 1 otherwise.
const char* kJsonCheck = " | python3 -c 'import json,sys; json.load(sys.stdin)'";

/// The strings we write, as bytes. ESC [2J clears the screen, ESC ] 0 ; … BEL sets the title.
const std::string kEsc = "\x1b";
const std::string kDescription = "D \xff\xfe \x1b[2J\xc3\x28 \x01\x7f d";

class HostileRoot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kver_ = kernel();
    if (kver_.empty() || !testdata::exists(testdata::module_dir(kver_))) return;
    root_ = testdata::make_temp_dir("hostile");
    const std::string src = testdata::module_dir(kver_);
    md_ = root_ + "/lib/modules/" + kver_;
    const std::string hdr = "/usr/src/linux-headers-" + kver_;
    int st = 0;
    // Real modules, decompressed when the tree ships .ko.xz (7.x).
    auto copy = [&](const std::string& rel, const std::string& to) {
      const std::string from = src + "/" + rel;
      if (testdata::exists(from)) return "cp '" + from + "' '" + to + "'";
      return "xz -dc '" + from + ".xz' > '" + to + "'";
    };
    run("mkdir -p '" + md_ + "/kernel' '" + root_ + hdr + "' '" + root_ + "/etc/modprobe.d' '" +
            root_ + "/etc/depmod.d' && cp '" + testdata::tree(kver_) + hdr + "/Module.symvers' '" +
            root_ + hdr + "/' && " + copy("kernel/drivers/net/dummy.ko", md_ + "/kernel/dummy.ko") +
            " && " + copy("kernel/drivers/net/ifb.ko", md_ + "/kernel/ifb.ko") + " && " +
            copy("kernel/drivers/input/misc/pcspkr.ko", md_ + "/kernel/pc\xff\x1b[1mspkr.ko"),
        &st);
    ASSERT_EQ(st, 0);
    // The description of dummy's parameter, rewritten in place with the same length.
    std::string ko = slurp(md_ + "/kernel/dummy.ko");
    const std::string want = "parm=numdummies:";
    size_t at = ko.find(want + "Number of dummy pseudo devices");
    ASSERT_NE(at, std::string::npos);
    size_t end = ko.find('\0', at);
    ASSERT_GE(end - at - want.size(), kDescription.size());
    std::string desc = kDescription;
    desc.resize(end - at - want.size(), '.');
    ko.replace(at + want.size(), desc.size(), desc);
    spit(md_ + "/kernel/dummy.ko", ko);
    description_ = desc;
    // The index files kbuild writes, so that no kernel-specific warning about them appears.
    spit(md_ + "/modules.order", "kernel/dummy.ko\nkernel/ifb.ko\n");
    spit(md_ + "/modules.builtin", "");
    spit(md_ + "/modules.builtin.modinfo", "");
    spit(root_ + "/etc/modprobe.d/hostile.conf", "options dummy numdummies=2 \x1b]0;pwned\x07=1\n"
                                                 "alias evil-\xff\xfe dummy\n"
                                                 "blacklist \x1b[31mred\xc3\x28\n"
                                                 "bogus\x01\x02 command\n"
                                                 "softdep dummy pre: \xc3\x28mod\n"
                                                 "options dummy back\\slash\xff=1\n");
    spit(root_ + "/etc/depmod.d/hostile.conf", "search updates \x1b[2J built-in\n"
                                               "wrongcmd\xff\x1b\n");
    run("depmod -b '" + root_ + "' -C '" + root_ + "/etc/depmod.d' " + kver_ + " 2>/dev/null", &st);
  }
  static void TearDownTestSuite() {
    if (!root_.empty()) run("rm -rf '" + root_ + "'");
  }
  void SetUp() override {
    OFSCK_REQUIRE_DATA(testdata::module_dir(kernel()));
    ASSERT_FALSE(root_.empty());
  }
  static std::string ofsck(const std::string& args) { return testdata::ofsck_bin() + " " + args; }
  static std::string check(const std::string& args) {
    return ofsck("check -q --no-cache --root '" + root_ + "' " + args);
  }
  /// No raw control byte other than newline and tab, no invalid UTF-8 marker bytes.
  static void expect_clean(const std::string& out, const std::string& what) {
    for (size_t i = 0; i < out.size(); ++i) {
      const auto u = static_cast<unsigned char>(out[i]);
      ASSERT_TRUE((u >= 0x20 && u != 0x7f) || u == '\n' || u == '\t')
          << what << ": raw byte 0x" << std::hex << int(u) << " at " << std::dec << i;
    }
    EXPECT_EQ(out.find('\xff'), std::string::npos) << what;
    EXPECT_EQ(out.find("\xc3\x28"), std::string::npos) << what;
  }
  static std::string kver_, root_, md_, description_;
};
std::string HostileRoot::kver_, HostileRoot::root_, HostileRoot::md_, HostileRoot::description_;

TEST_F(HostileRoot, TextGolden) {
  int rc = -1;
  std::string out = run(check(""), &rc);
  EXPECT_EQ(rc, 0);
  out = replace_all(replace_all(out, root_, "<ROOT>"), kver_, "<KVER>");
  const std::string path = testdata::source_dir() + "/tests/cli/golden/hostile_check.txt";
  if (getenv("OFSCK_UPDATE_GOLDEN")) {
    spit(path, out);
    return;
  }
  EXPECT_EQ(out, slurp(path)) << "update with OFSCK_UPDATE_GOLDEN=1";
}

TEST_F(HostileRoot, CheckJsonParsesAndKeepsBytes) {
  int rc = -1, js = -1;
  std::string out = run(check("--format json"), &rc);
  EXPECT_NE(rc, 70) << out;
  EXPECT_TRUE(rc == 0 || rc == 1) << rc;
  run(check("--format json") + kJsonCheck, &js);
  EXPECT_EQ(js, 0);
  expect_clean(out, "check --format json");
  // The config line names travel through the escaping rule (docs/json-schema.md).
  EXPECT_NE(out.find("\\\\x1b]0;pwned\\\\x07"), std::string::npos) << out;
  EXPECT_NE(out.find("pc\\\\xff\\\\x1b[1mspkr"), std::string::npos) << out;
  // kmod's getline_wrapped() drops a backslash and keeps the byte after it.
  EXPECT_NE(out.find(R"(no parameter 'backslash\\xff')"), std::string::npos) << out;
}

TEST_F(HostileRoot, CheckTextEscapesEveryByte) {
  int rc = -1;
  std::string out = run(check("-v --color always"), &rc);
  EXPECT_NE(rc, 70);
  // With --color always the report's own SGR sequences stay: take them out, then nothing raw.
  for (const char* sgr : {"\x1b[1m", "\x1b[0m", "\x1b[1;31m", "\x1b[1;35m", "\x1b[1;36m"})
    out = replace_all(out, sgr, "");
  expect_clean(out, "check text");
  EXPECT_NE(out.find("\\x1b]0;pwned\\x07"), std::string::npos) << out;
  EXPECT_NE(out.find("pc\\xff\\x1b[1mspkr"), std::string::npos) << out;
  EXPECT_NE(out.find(R"(no parameter 'backslash\xff')"), std::string::npos) << out;
  EXPECT_NE(out.find(R"(    options dummy back\\slash\xff=1)"
                     "\n"),
            std::string::npos)
      << out;
}

TEST_F(HostileRoot, ExplainAndModinfo) {
  int rc = -1;
  std::string out = run(ofsck("explain -q --no-cache --root '" + root_ + "' dummy"), &rc);
  EXPECT_NE(rc, 70);
  expect_clean(out, "explain");
  EXPECT_NE(out.find("module dummy"), std::string::npos) << out;

  out = run(ofsck("modinfo '" + md_ + "/kernel/dummy.ko'"), &rc);
  EXPECT_EQ(rc, 0);
  expect_clean(out, "modinfo");
  EXPECT_NE(out.find("parm:           numdummies:D \\xff\\xfe \\x1b[2J\\xc3( \\x01\\x7f d"),
            std::string::npos)
      << out;
  const std::string json = ofsck("modinfo --format json '" + md_ + "/kernel/dummy.ko'");
  out = run(json, &rc);
  EXPECT_EQ(rc, 0);
  expect_clean(out, "modinfo json");
  // Decoded by the documented rule (docs/json-schema.md), the value is the file's exact bytes.
  spit(root_ + "/decode.py", R"PY(import json, re, sys
d = dict(json.load(sys.stdin)[0]["modinfo"])["parm"]
raw = re.sub(rb"\\(\\|x([0-9a-f]{2}))",
             lambda m: b"\\" if m.group(2) is None else bytes([int(m.group(2), 16)]),
             d.encode("utf-8"))
sys.stdout.buffer.write(raw)
)PY");
  std::string decoded = run(json + " | python3 '" + root_ + "/decode.py'", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(decoded, "numdummies:" + description_);
}

TEST_F(HostileRoot, ErrorsOnStderrAreEscaped) {
  int rc = -1;
  std::string err =
      run(ofsck("modinfo '" + md_ + "/kernel/no\x1b[2Jsuch\xff.ko' 2>&1 >/dev/null"), &rc);
  EXPECT_EQ(rc, 3);
  expect_clean(err, "modinfo error");
  EXPECT_NE(err.find("no\\x1b[2Jsuch\\xff.ko"), std::string::npos) << err;
}

TEST_F(HostileRoot, WhatifWithHostileOverlay) {
  const std::string pkg = root_ + "-pkg";
  run("rm -rf '" + pkg + "' && mkdir -p '" + pkg + "/etc/modprobe.d'");
  spit(pkg + "/etc/modprobe.d/ev\\il\xff.conf", "options dummy \x1b[5mblink\xfe=1\nfoo\x1b bar\n");
  for (const char* fmt : {"text", "json"}) {
    int rc = -1;
    std::string out = run(ofsck("whatif -q --no-cache --root '" + root_ + "' --install '" + pkg +
                                "' --format " + fmt),
                          &rc);
    EXPECT_NE(rc, 70) << fmt;
    expect_clean(out, std::string("whatif ") + fmt);
    if (std::string(fmt) == "json") {
      int js = -1;
      run(ofsck("whatif -q --no-cache --root '" + root_ + "' --install '" + pkg +
                "' --format json") +
              kJsonCheck,
          &js);
      EXPECT_EQ(js, 0);
      // The backslash of the file name is doubled, then JSON doubles both.
      EXPECT_NE(out.find(R"(/etc/modprobe.d/ev\\\\il\\xff.conf)"), std::string::npos) << out;
    } else {
      EXPECT_NE(out.find(R"(/etc/modprobe.d/ev\\il\xff.conf)"), std::string::npos) << out;
    }
  }
  run("rm -rf '" + pkg + "'");
}

// 2.g: `--only` takes several values; a module file after it is a file, not a module name.
TEST_F(HostileRoot, OnlyAndFilesInEitherOrder) {
  const std::string file = md_ + "/kernel/dummy.ko";
  int rc1 = -1, rc2 = -1, rc3 = -1;
  std::string a = run(check("--format json --only ifb dummy '" + file + "'"), &rc1);
  std::string b = run(check("--format json '" + file + "' --only ifb dummy"), &rc2);
  std::string c = run(check("--format json --only ifb,dummy '" + file + "'"), &rc3);
  EXPECT_EQ(a.find("is not in the tree"), std::string::npos) << a;
  EXPECT_NE(a.find("\"file\": \"" + file + "\""), std::string::npos) << a;
  EXPECT_NE(a.find("\"name\": \"ifb\""), std::string::npos) << a;
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(rc1, rc2);
  EXPECT_EQ(rc1, rc3);
  EXPECT_NE(rc1, 70);
  // A bare FILE.ko (no '/') right after --only is a file as well.
  int rc = -1;
  std::string d =
      run("cd '" + md_ + "/kernel' && " + check("--format json --only dummy dummy.ko"), &rc);
  EXPECT_EQ(d.find("is not in the tree"), std::string::npos) << d;
  EXPECT_NE(d.find("\"file\": \"dummy.ko\""), std::string::npos) << d;
}

// An initramfs of the hostile root (its module file names and configs), checked against it.
// `--need` takes several values: the INITRAMFS after it is the image, not a module name.
TEST_F(HostileRoot, ImageEscapesAndNeedInEitherOrder) {
  const std::string img = root_ + "-initrd.img";
  int st = -1;
  run("cd '" + root_ + "' && find lib etc | cpio -o -H newc --quiet > '" + img + "'", &st);
  ASSERT_EQ(st, 0);
  const std::string opts = " -q --no-cache --root '" + root_ + "' --format json";
  int rc1 = -1, rc2 = -1, js = -1;
  std::string a = run(ofsck("image '" + img + "' --need dummy,ifb" + opts), &rc1);
  std::string b = run(ofsck("image" + opts + " --need dummy ifb '" + img + "'"), &rc2);
  EXPECT_NE(rc1, 70) << a;
  EXPECT_EQ(rc1, rc2);
  EXPECT_EQ(a, b);
  expect_clean(a, "image json");
  EXPECT_NE(a.find(R"(pc\\xff\\x1b[1mspkr.ko)"), std::string::npos) << a;
  run(ofsck("image '" + img + "' --need dummy" + opts) + kJsonCheck, &js);
  EXPECT_EQ(js, 0);
  std::string t =
      run(ofsck("image -q --list --no-cache --root '" + root_ + "' '" + img + "'"), &rc1);
  EXPECT_NE(rc1, 70);
  expect_clean(t, "image text");
  EXPECT_NE(t.find(R"(pc\xff\x1b[1mspkr.ko)"), std::string::npos) << t;
  run("rm -f '" + img + "'");
}

// depmod: byte for byte modules.dep into a pipe (as depmod writes it), escaped on a terminal.
TEST_F(HostileRoot, DepmodRawInPipeEscapedOnTerminal) {
  const std::string cmd = ofsck("depmod --root '" + root_ + "' " + kver_);
  int rc = -1;
  std::string piped = run(cmd, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(piped.find("kernel/pc\xff\x1b[1mspkr.ko:"), std::string::npos) << piped;
  std::string tty = run("script -qec \"" + cmd + "\" /dev/null", &rc);
  EXPECT_EQ(rc, 0);
  tty = replace_all(tty, "\r", "");
  expect_clean(tty, "depmod on a terminal");
  EXPECT_NE(tty.find(R"(kernel/pc\xff\x1b[1mspkr.ko:)"), std::string::npos) << tty;
}

TEST(Cli, CheckHelpDocumentsOnlyAndFiles) {
  int rc = -1;
  std::string out = run(testdata::ofsck_bin() + " check --help", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("spaces or commas"), std::string::npos) << out;
  EXPECT_NE(out.find(".ko.zst"), std::string::npos);
}

}  // namespace
}  // namespace ofsck
