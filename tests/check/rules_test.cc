// check/rules.cc: the catalogue is ordered and unique, and make_finding() takes the severity from
// it (issue 7: OFS402/OFS103/OFS217 were emitted with other severities than the catalogue's).
#include <gtest/gtest.h>

#include <set>

#include "check/rules.hpp"

namespace ofsck::check {
namespace {

TEST(Rules, CatalogueOrderedAndUnique) {
  std::set<std::string_view> ids, names;
  std::string_view prev;
  for (const auto& r : rule_catalogue()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_TRUE(names.insert(r.name).second) << r.name;
    EXPECT_LT(prev, r.id);
    prev = r.id;
  }
}

TEST(Rules, MakeFindingTakesTheCataloguesSeverity) {
  for (const auto& r : rule_catalogue()) {
    Finding f = make_finding(r.id, "subject", "message");
    EXPECT_EQ(f.rule, r.id);
    EXPECT_EQ(f.severity, r.severity) << r.id;
  }
  EXPECT_EQ(make_finding(kImageSoftdepMissing, "", "").severity, Severity::kError);
  EXPECT_EQ(make_finding(kImagePostSoftdepMissing, "", "").severity, Severity::kWarning);
  EXPECT_EQ(make_finding(kStaleIndex, "", "").severity, Severity::kError);
  EXPECT_EQ(make_finding(kIndexMissing, "", "").severity, Severity::kWarning);
  EXPECT_EQ(make_finding(kFirmwareMissing, "", "").severity, Severity::kWarning);
  EXPECT_EQ(make_finding(kFirmwareMissingInTree, "", "").severity, Severity::kNote);
}

}  // namespace
}  // namespace ofsck::check
