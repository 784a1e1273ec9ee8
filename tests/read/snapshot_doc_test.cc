// Snapshot documents (format 1) and streams: plain, concatenated, clush/pdsh-prefixed, and the
// bad inputs that must give an error naming the input and the document, never a crash.
#include "read/snapshot_doc.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "testdata.hpp"

namespace ofsck::read {
namespace {

std::string fixture(const std::string& node) {
  return testdata::slurp(testdata::source_dir() + "/tests/fixtures/fleet/" + node + ".json");
}

SnapshotRead parse(const std::string& text, const std::string& name = "in") {
  SnapshotRead r;
  parse_snapshots(text, name, r);
  return r;
}

/// The one error of `r`, as printed.
std::string only_error(const SnapshotRead& r) {
  EXPECT_EQ(r.errors.size(), 1u);
  return r.errors.empty() ? "" : to_string(r.errors[0]);
}

TEST(SnapshotDoc, ReadsEveryField) {
  SnapshotRead r = parse(fixture("cn005"));
  ASSERT_TRUE(r.errors.empty()) << to_string(r.errors[0]);
  ASSERT_EQ(r.docs.size(), 1u);
  const SnapshotDoc& d = r.docs[0];
  EXPECT_EQ(d.node, "cn005");
  EXPECT_EQ(d.kernel, "6.1.0-56-amd64");
  EXPECT_EQ(d.kmod, "30");
  EXPECT_EQ(d.stack, std::string(64, 'c'));
  EXPECT_EQ(d.verdict, "FAIL");
  EXPECT_EQ(d.failing, 1u);
  EXPECT_EQ(d.first, "mlx5_core:OFS203");
  ASSERT_EQ(d.findings.size(), 2u);
  EXPECT_EQ(d.findings[0].rule, "OFS203");
  ASSERT_EQ(d.packages.size(), 2u);
  EXPECT_EQ(d.packages[0].modules, 3962u);
  ASSERT_EQ(d.module_rows.size(), 1u);
  EXPECT_FALSE(d.module_rows[0].loads);
  EXPECT_EQ(d.module_rows[0].package, "");  // null
  ASSERT_EQ(d.options.size(), 4u);
  EXPECT_EQ(d.options[1].value, "32");
  EXPECT_TRUE(d.options[1].has_value);
  EXPECT_FALSE(d.options[3].has_value);  // "value": null
  EXPECT_EQ(d.origin, "in: document 1 at offset 0x0");
}

TEST(SnapshotDoc, ConcatenatedStream) {
  std::string s = fixture("cn001") + fixture("cn002") + "\n\n  " + fixture("cn003");
  SnapshotRead r = parse(s);
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(r.docs[2].node, "cn003");
  // Compact documents with nothing between them, as a JSON-lines writer may produce.
  r = parse(R"({"a":1}{"b":"}"})");
  EXPECT_EQ(r.errors.size(), 2u);  // two documents delimited, neither a snapshot
  EXPECT_NE(to_string(r.errors[1]).find("document 2 at offset 0x7: not a snapshot"),
            std::string::npos);
}

/// `text` with every line prefixed "NODE: " (what clush and pdsh print without -N).
std::string prefixed(const std::string& node, const std::string& text) {
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    out += node + ": " + text.substr(pos, nl - pos) + "\n";
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

TEST(SnapshotDoc, ClushPrefixedLinesInAnyInterleaving) {
  std::string a = prefixed("cn001", fixture("cn001")), b = prefixed("cn004", fixture("cn004"));
  // Interleave line by line, as clush prints lines from two nodes as they arrive.
  std::string mixed;
  size_t pa = 0, pb = 0;
  while (pa < a.size() || pb < b.size()) {
    for (std::string* s : {&a, &b}) {
      size_t& p = s == &a ? pa : pb;
      if (p >= s->size()) continue;
      size_t nl = s->find('\n', p);
      mixed += s->substr(p, nl + 1 - p);
      p = nl + 1;
    }
  }
  SnapshotRead r = parse(mixed);
  ASSERT_TRUE(r.errors.empty()) << to_string(r.errors[0]);
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].node, "cn001");
  EXPECT_EQ(r.docs[1].node, "cn004");
  EXPECT_EQ(r.docs[1].options[1].value, "128");
  EXPECT_EQ(r.docs[1].origin, "in: cn004's lines, document 1 at offset 0x0");
}

TEST(SnapshotDoc, GatheredOrUnprefixedLinesAreRefused) {
  std::string clush_b = "---------------\ncn[001-002] (2)\n---------------\n" + fixture("cn001");
  EXPECT_NE(only_error(parse(clush_b)).find("in: line 1: neither a JSON object nor a 'NODE: '"),
            std::string::npos);
  // One node's object with a line that lost its prefix.
  std::string p = prefixed("cn001", fixture("cn001"));
  p.insert(p.find("\ncn001: ") + 1, "\"node\": 1,\n");
  EXPECT_NE(only_error(parse(p)).find("line 2: neither"), std::string::npos);
}

TEST(SnapshotDoc, BrokenInputsNameTheDocument) {
  std::string one = fixture("cn001");
  // Truncated: the second document ends early (a node that died while writing).
  SnapshotRead r = parse(one + one.substr(0, 100), "f.json");
  EXPECT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(only_error(r), fmt::format("f.json: document 2 at offset {:#x}: truncated: the input "
                                       "ends inside the document",
                                       one.size()));
  // Garbage after a document.
  r = parse(one + "\x01garbage");
  EXPECT_NE(only_error(r).find("document 2 at offset"), std::string::npos);
  EXPECT_NE(only_error(r).find("expected '{'"), std::string::npos);
  // Invalid JSON inside the object: nlohmann's message, with its line and column.
  r = parse(R"({"ofsck_snapshot": 1, "node": tru})");
  EXPECT_NE(only_error(r).find("in: document 1 at offset 0x0: parse error at line 1"),
            std::string::npos);
  // Not UTF-8 inside a string.
  std::string bad = one;
  bad.replace(bad.find("cn001"), 5,
              "cn\xff\xfe"
              "1");
  r = parse(bad);
  EXPECT_TRUE(r.docs.empty());
  EXPECT_NE(only_error(r).find("UTF-8"), std::string::npos);
  // Not an object at all (nor prefixed lines); a nesting bomb refused before nlohmann sees it.
  r = parse(std::string(100000, '[') + "{");
  EXPECT_NE(only_error(r).find("line 1: neither a JSON object"), std::string::npos);
  r = parse("{\"a\":" + std::string(100000, '['));
  EXPECT_NE(only_error(r).find("nested deeper than 32 levels"), std::string::npos);
  // Empty input.
  EXPECT_EQ(only_error(parse(" \n")), "in: no snapshot document");
}

TEST(SnapshotDoc, FieldsAreChecked) {
  auto err = [](std::string from, const std::string& to) {
    std::string s = fixture("cn001");
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return only_error(parse(s));
  };
  EXPECT_EQ(err("\"ofsck_snapshot\": 1", "\"ofsck_snapshot\": 2"),
            "in: document 1 at offset 0x0: snapshot format 2 is not supported (this ofsck reads "
            "format 1; use a matching ofsck)");
  EXPECT_EQ(err("\"ofsck_snapshot\": 1", "\"format\": 1"),
            "in: document 1 at offset 0x0: not a snapshot document (no \"ofsck_snapshot\" field)");
  EXPECT_EQ(err("\"kernel\": \"6.1.0-47-amd64\"", "\"kernel\": 6"),
            "in: document 1 at offset 0x0: field .kernel: expected a string, found number");
  EXPECT_EQ(err("\"value\": \"32\"", "\"value\": 32"),
            "in: document 1 at offset 0x0: field .options[1].value: expected a string or "
            "null, found number");
  EXPECT_EQ(err("\"failing\": 0", "\"failing\": -1"),
            "in: document 1 at offset 0x0: field .summary.failing: expected an unsigned "
            "integer, found number");
  EXPECT_EQ(err("\"stack\"", "\"stack_\""), "in: document 1 at offset 0x0: field .stack: missing");
  EXPECT_EQ(err("\"node\": \"cn001\"", "\"node\": \"\""),
            "in: document 1 at offset 0x0: field .node: empty");
  EXPECT_EQ(err("\"findings\": [", "\"findings\": [7, "),
            "in: document 1 at offset 0x0: field .findings[0]: expected an object, found "
            "number");
  // A bad document is skipped, the next one is still read.
  std::string s = fixture("cn001");
  s.replace(s.find("\"kernel\""), 8, "\"kernel_\"");
  SnapshotRead r = parse(s + fixture("cn002"));
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].node, "cn002");
}

TEST(SnapshotDoc, DirectoriesFilesAndMissingInputs) {
  std::string dir = testdata::source_dir() + "/tests/fixtures/fleet";
  SnapshotRead r = read_snapshots({dir, dir + "/cn002.json", "/nonexistent/x.json"});
  ASSERT_EQ(r.docs.size(), 6u);
  EXPECT_EQ(r.docs[0].node, "cn001");  // sorted by file name
  EXPECT_EQ(r.docs[4].node, "cn005");
  EXPECT_EQ(r.docs[5].origin, dir + "/cn002.json: document 1 at offset 0x0");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(to_string(r.errors[0]).find("/nonexistent/x.json"), std::string::npos);
  std::string empty = testdata::make_temp_dir("fleet-empty");
  r = read_snapshots({empty});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(to_string(r.errors[0]), empty + ": no *.json snapshot in the directory");
  std::filesystem::remove_all(empty);
}

}  // namespace
}  // namespace ofsck::read
