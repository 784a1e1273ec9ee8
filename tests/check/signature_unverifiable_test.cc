// check/rules/signature_unverifiable.cc: a trusted signer whose algorithm this machine cannot
// verify is said (OFS308), never trusted silently; with no trust information at all the tree-wide
// OFS303 note covers it and nothing is said per module.
#include <gtest/gtest.h>

#include "check/check_tree.hpp"
#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {
namespace {

LoadVerdict unverifiable() {
  LoadVerdict v;
  v.name = "mldsa_mod";
  v.sig.status = SigStatus::kUnknown;
  v.sig.detail = "cannot verify: ML-DSA-65 not supported here (OpenSSL 3.0.x)";
  return v;
}

TEST(SignatureUnverifiable, TrustedKeyUnverifiableAlgorithmIsAWarning) {
  Node p;
  p.kernel.trust_known = true;
  DiagnosticSink sink;
  add_unverifiable_signature_finding(p, "mldsa_mod", SourceRef{"/m/mldsa_mod.ko"}, unverifiable(),
                                     sink);
  auto f = sink.take();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule, kSignatureUnverifiable);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_NE(f[0].message.find("cannot verify: ML-DSA-65 not supported here"), std::string::npos);
  EXPECT_EQ(f[0].where.at(0).path, "/m/mldsa_mod.ko");
}

TEST(SignatureUnverifiable, NothingPerModuleWhenTrustIsUnknownOrVerified) {
  Node p;
  p.kernel.trust_known = false;
  DiagnosticSink sink;
  add_unverifiable_signature_finding(p, "m", SourceRef{"/m.ko"}, unverifiable(), sink);
  p.kernel.trust_known = true;
  LoadVerdict ok = unverifiable();
  ok.sig.status = SigStatus::kOk;
  add_unverifiable_signature_finding(p, "m", SourceRef{"/m.ko"}, ok, sink);
  EXPECT_EQ(sink.size(), 0u);
}

}  // namespace
}  // namespace ofsck::check
