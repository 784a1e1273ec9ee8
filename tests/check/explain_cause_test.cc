// check/explain_cause.cc: what a module failing module_layout was built for, from its vermagic
// release against the kernel's (issue 9: "another flavour", "another build").
#include "check/explain_cause.hpp"

#include <gtest/gtest.h>

namespace ofsck::check {
namespace {

TEST(BuiltFor, FlavourBuildOrAnotherAbi) {
  const std::string k = "6.1.0-56-amd64";
  EXPECT_EQ(built_for("6.1.0-56-cloud-amd64 SMP mod_unload modversions ", k),
            "another flavour of this release (6.1.0-56-cloud-amd64)");
  EXPECT_EQ(built_for("6.1.0-56-rt-amd64 SMP preempt_rt mod_unload modversions ", k),
            "another flavour of this release (6.1.0-56-rt-amd64)");
  EXPECT_EQ(built_for("6.1.0-56-amd64 SMP preempt mod_unload modversions ", k),
            "another build of 6.1.0-56-amd64");
  EXPECT_EQ(built_for("6.1.0-47-amd64 SMP preempt mod_unload modversions ", k),
            "another kernel ABI");
  EXPECT_EQ(built_for("", k), "another kernel ABI");
  EXPECT_EQ(built_for("6.12.117+deb12-cloud-amd64 SMP", "6.12.117+deb12-amd64"),
            "another flavour of this release (6.12.117+deb12-cloud-amd64)");
  EXPECT_EQ(built_for("6.12.117+deb13-amd64 SMP", "6.12.117+deb12-amd64"), "another kernel ABI");
  EXPECT_EQ(built_for("5.15.0-91-lowlatency SMP", "5.15.0-91-generic"),
            "another flavour of this release (5.15.0-91-lowlatency)");
  EXPECT_EQ(built_for("5.14.0-427.el9.x86_64+rt SMP", "5.14.0-427.el9.x86_64"),
            "another flavour of this release (5.14.0-427.el9.x86_64+rt)");
  EXPECT_EQ(built_for("5.14.0-503.el9.x86_64 SMP", "5.14.0-427.el9.x86_64"), "another kernel ABI");
}

}  // namespace
}  // namespace ofsck::check
