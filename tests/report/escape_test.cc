// The escaping rule of every output (report/escape.hpp, docs/json-schema.md), and the renderers
// that must apply it to strings from the inspected system.
#include "report/escape.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/image.hpp"
#include "report/json_dump.hpp"
#include "report/render.hpp"
#include "report/test_findings.hpp"
#include "report/upgrade.hpp"
#include "report/whatif.hpp"

namespace ofsck::report {
namespace {

TEST(Escape, PrintableAsciiTabAndUtf8AreKept) {
  EXPECT_EQ(escape("options ib_core\tfoo=1 -_.:/"), "options ib_core\tfoo=1 -_.:/");
  EXPECT_EQ(escape("Jérôme Glisse 日本 🐧"), "Jérôme Glisse 日本 🐧");
  EXPECT_FALSE(needs_escape("Jérôme Glisse 日本 🐧"));
  EXPECT_FALSE(needs_escape(""));
}

TEST(Escape, ControlBytesAndDel) {
  EXPECT_EQ(escape("a\x1b[31mb"), "a\\x1b[31mb");
  EXPECT_EQ(escape(std::string_view("\x00\x01\n\r\x7f", 5)), "\\x00\\x01\\x0a\\x0d\\x7f");
  EXPECT_TRUE(needs_escape("x\ny"));
}

TEST(Escape, BackslashIsDoubled) {
  EXPECT_EQ(escape("a\\b"), "a\\\\b");
  // A literal "\xff" in the input stays distinguishable from an escaped 0xff byte.
  EXPECT_EQ(escape("\\xff"), "\\\\xff");
  EXPECT_EQ(escape("\xff"), "\\xff");
}

TEST(Escape, InvalidUtf8) {
  EXPECT_EQ(escape("\xc3\x28"), "\\xc3(");                        // bad continuation
  EXPECT_EQ(escape("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(escape("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");           // overlong, 3 bytes
  EXPECT_EQ(escape("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // surrogate U+D800
  EXPECT_EQ(escape("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(escape("\xe6\x97"), "\\xe6\\x97");                    // truncated at the end
  EXPECT_EQ(escape("\x80"), "\\x80");                             // lone continuation
  EXPECT_EQ(escape("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
}

TEST(Escape, HiddenControlsInWellFormedUtf8) {
  EXPECT_EQ(escape("\xc2\x9b"), "\\xc2\\x9b");  // C1 CSI
  EXPECT_EQ(escape("a\xe2\x80\xae"
                   "b"),
            "a\\xe2\\x80\\xaeb");                        // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(escape("\xe2\x81\xa6"), "\\xe2\\x81\\xa6");  // LEFT-TO-RIGHT ISOLATE
  EXPECT_EQ(escape("\xe2\x80\xa8"), "\\xe2\\x80\\xa8");  // LINE SEPARATOR
  EXPECT_EQ(escape("\xc2\xa0"), "\xc2\xa0");             // NBSP is printable
}

TEST(Escape, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  all += "\\x41\\\\\xe2\x82\xac\xf0\x9f\x90\xa7";
  const std::string e = escape(all);
  EXPECT_EQ(unescape(e), all);
  for (char c : e) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE((u >= 0x20 && u != 0x7f) || u == '\t') << static_cast<int>(u);
  }
  EXPECT_NO_THROW((void)nlohmann::json(e).dump());
}

TEST(Escape, FormatterKeepsWidth) {
  EXPECT_EQ(fmt::format("[{:<6}]", esc("a\x1b")), "[a\\x1b ]");
  EXPECT_EQ(fmt::format("[{:<6}]", esc("ab")), "[ab    ]");
}

TEST(TerminalSafe, KeepsNewlinesAndColourOnly) {
  EXPECT_EQ(terminal_safe("\033[1;31merror\033[0m\nx\ty\n"), "\033[1;31merror\033[0m\nx\ty\n");
  EXPECT_EQ(terminal_safe("a\033]0;title\007b\rc\xff"), "a\\x1b]0;title\\x07b\\x0dc\\xff");
  EXPECT_EQ(terminal_safe("\033[2J"), "\\x1b[2J");  // not SGR: clears the screen
  // Idempotent on escaped fields: their backslashes are not doubled again.
  const std::string f = escape("p\\q\x1b");
  EXPECT_EQ(terminal_safe(f), f);
}

check::Finding hostile_finding() {
  check::Finding f =
      fixture::warning_at("OFS401", "bad\xff", "unknown command \"\x1b[2Jevil\xc3\x28\"",
                          "/etc/modprobe.d/\x1b]0;x\x07.conf");
  f.where.back().package = "pkg\xfe";
  f.kernel_messages = {"k\x9b"};
  f.notes = {"note\nforged line"};
  f.hint = "hint\x01";
  return f;
}

check::CheckResult hostile_result() {
  check::CheckResult r;
  r.inputs.root = "/r\xff";
  r.inputs.kernel_release = "6.1\x1b";
  r.findings.push_back(hostile_finding());
  check::ModuleResult m;
  m.name = "m\xff";
  m.file = "kernel/m\x1b.ko";
  m.loads = false;
  m.errno_name = "ENOEXEC";
  m.kernel_messages.push_back({"m\xff: bad", false});
  r.modules.push_back(m);
  return r;
}

/// No byte that could drive a terminal: only printable bytes, tab, newline, and SGR if coloured.
void expect_terminal_clean(const std::string& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    const auto u = static_cast<unsigned char>(out[i]);
    EXPECT_TRUE((u >= 0x20 && u != 0x7f) || u == '\n' || u == '\t')
        << "byte " << int(u) << " at " << i;
  }
  EXPECT_EQ(out.find("\xff"), std::string::npos);
  EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos);
}

TEST(Renderers, TextEscapesEveryField) {
  const std::string out = render_text(hostile_result(), {false, true, true});
  expect_terminal_clean(out);
  EXPECT_NE(out.find("/etc/modprobe.d/\\x1b]0;x\\x07.conf: warning[OFS401]: unknown command "
                     "\"\\x1b[2Jevil\\xc3(\" [pkg\\xfe]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  note: note\\x0aforged line\n"), std::string::npos);
  EXPECT_NE(out.find("  hint: hint\\x01\n"), std::string::npos);
  EXPECT_NE(out.find("  kernel: k\\x9b\n"), std::string::npos);
  EXPECT_NE(out.find("FAIL m\\xff kernel/m\\x1b.ko (ENOEXEC)"), std::string::npos);
  EXPECT_NE(out.find("ofsck: 6.1\\x1b /r\\xff:"), std::string::npos);
}

TEST(Renderers, JsonParsesAndKeepsEveryByte) {
  const check::CheckResult r = hostile_result();
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(render_json(r)));
  EXPECT_EQ(unescape(j["inputs"]["root"].get<std::string>()), r.inputs.root);
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["message"], "unknown command \"\\x1b[2Jevil\\xc3(\"");
  EXPECT_EQ(unescape(f["message"].get<std::string>()), r.findings[0].message);
  EXPECT_EQ(unescape(f["locations"][0]["path"].get<std::string>()), r.findings[0].where[0].path);
  EXPECT_EQ(unescape(f["notes"][0].get<std::string>()), "note\nforged line");
  EXPECT_EQ(unescape(j["modules"][0]["kernel_messages"][0]["text"].get<std::string>()),
            "m\xff: bad");
}

TEST(Renderers, JsonKeysAndNestedDocuments) {
  nlohmann::ordered_json doc = {{"k\xff", {"v\x1b", {{"in\\ner", "x"}}}}, {"n", 1}};
  nlohmann::json j = nlohmann::json::parse(dump_json(doc));
  EXPECT_EQ(j["k\\xff"][0], "v\\x1b");
  EXPECT_EQ(j["k\\xff"][1]["in\\\\ner"], "x");
  EXPECT_EQ(j["n"], 1);
}

TEST(Renderers, ImageWhatifUpgradeAreSafe) {
  check::ImageReport img;
  img.image = "/boot/initrd\xff";
  img.parts = {"cpio\x1b"};
  img.firmware = {"fw\xc3\x28"};
  img.result = hostile_result();
  expect_terminal_clean(render_image_text(img));
  nlohmann::json j = nlohmann::json::parse(render_image_json(img));
  EXPECT_EQ(j["image"]["path"], "/boot/initrd\\xff");
  EXPECT_EQ(j["findings"][0]["subject"], "bad\\xff");  // escaped once, not twice

  check::WhatifReport w;
  w.root = "/w\xff";
  w.installed = {"pkg\x1b.deb"};
  w.kernels.emplace_back();
  w.kernels.back().kernel = "6.1\xff";
  w.kernels.back().introduced = {hostile_finding()};
  expect_terminal_clean(render_whatif_text(w));
  j = nlohmann::json::parse(render_whatif_json(w));
  EXPECT_EQ(j["introduced"][0]["subject"], "bad\\xff");
  EXPECT_EQ(j["installed"][0], "pkg\\x1b.deb");

  check::UpgradeReport u;
  u.root = "/u\xff";
  u.from = "6.1\x1b";
  u.modules.emplace_back();
  u.modules.back().name = "m\xff";
  u.modules.back().kabi_risks = {"sym\x1b"};
  expect_terminal_clean(render_upgrade_text(u));
  j = nlohmann::json::parse(render_upgrade_json(u));
  EXPECT_EQ(j["modules"][0]["name"], "m\\xff");
}

}  // namespace
}  // namespace ofsck::report
