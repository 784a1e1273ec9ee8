// OFS308 signature-unverifiable: the module is signed by a key the kernel trusts, but with an
// algorithm this machine's OpenSSL cannot check (ML-DSA on OpenSSL 3.0). The kernel verifies it
// itself in mod_verify_sig() → verify_pkcs7_signature(); if the file was altered after signing it
// prints nothing and module_sig_check() fails with -EKEYREJECTED ("Key was rejected by
// service"). ofsck cannot tell which case applies, so it says so instead of trusting silently.
#include <fmt/format.h>

#include "check/explain_cause.hpp"
#include "check/rules.hpp"

namespace ofsck::check {

void add_unverifiable_signature_finding(const Node& p, const std::string& subject,
                                        const SourceRef& where, const LoadVerdict& v,
                                        DiagnosticSink& sink) {
  // kUnknown without any trust information is the tree-wide OFS303 note, said once.
  if (v.sig.status != SigStatus::kUnknown || !p.kernel.trust_known) return;
  Finding f = make_finding(kSignatureUnverifiable, subject,
                           fmt::format("{}: signature not checked: {}", v.name, v.sig.detail));
  f.where.push_back(where);
  f.set("module", v.name);
  f.notes.push_back(
      "the verdict assumes the signature is genuine; a file altered after signing would be "
      "rejected by the kernel (EKEYREJECTED)");
  f.hint = "verify the module on a machine whose OpenSSL supports the algorithm (3.5 or later "
           "for ML-DSA), or compare its sha256 with the package's";
  sink.add(std::move(f));
}

}  // namespace ofsck::check
