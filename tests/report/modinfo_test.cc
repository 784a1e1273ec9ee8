// report/modinfo: `ofsck modinfo` text and JSON from a read module (the CLI goldens cover a
// signed Debian module; these cover an unsigned one, namespaces, missing CRCs and escaping).
#include "report/modinfo.hpp"

#include <gtest/gtest.h>

namespace ofsck::report {
namespace {

model::ModuleFile unsigned_module() {
  model::ModuleFile m;
  m.info.all = {{"license", "GPL"}, {"description", "bad\x1b[2J"}};
  m.export_era = "E4";
  m.imports.push_back({"printk", 0x1234u, 0x1234u, false, true});
  m.imports.push_back({"weak_sym", std::nullopt, std::nullopt, true, true});
  model::Export plain;
  plain.name = "foo_register";
  plain.crc = 0xdeadbeefu;
  model::Export gpl;
  gpl.name = "foo_gpl";
  gpl.gpl_only = true;
  gpl.ns = "FOO";
  m.exports = {plain, gpl};
  return m;
}

TEST(ModinfoText, UnsignedWithNamespaceAndNoCrc) {
  EXPECT_EQ(render_modinfo_text("/x/foo.ko", unsigned_module()),
            "filename:       /x/foo.ko\n"
            "license:        GPL\n"
            "description:    bad\\x1b[2J\n"
            "exports_era:    E4\n"
            "import:         0x00001234\tprintk\n"
            "export:         0xdeadbeef\tfoo_register\tEXPORT_SYMBOL\n"
            "export:         -\tfoo_gpl\tEXPORT_SYMBOL_GPL\tFOO\n");
}

TEST(ModinfoJson, NullCrcsAndEscapedStrings) {
  std::vector<ModinfoFile> files;
  files.push_back({"/x/foo.ko", unsigned_module()});
  const std::string j = render_modinfo_json(files);
  EXPECT_NE(j.find("\"file\": \"/x/foo.ko\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"bad\\\\x1b[2J\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"name\": \"weak_sym\",\n        \"crc\": null,\n        \"weak\": true"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"namespace\": \"FOO\",\n        \"crc\": null"), std::string::npos) << j;
  EXPECT_NE(j.find("\"crc\": 3735928559"), std::string::npos) << j;
  EXPECT_NE(j.find("\"signer\": \"\""), std::string::npos) << j;
  EXPECT_EQ(render_modinfo_json({}), "[]\n");
}

}  // namespace
}  // namespace ofsck::report
