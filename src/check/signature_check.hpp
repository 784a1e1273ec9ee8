#pragma once
/// mod_verify_sig(): classify a module's signature against the keys the target kernel trusts.
#include "check/load_sim.hpp"
#include "model/kernel.hpp"
#include "model/module.hpp"
#include "read/cache.hpp"

namespace ofsck::check {

/// Finds the trusted certificate for the signature (issuer + serial, as the kernel's
/// asymmetric key id), verifies the signature over content_digest with its public key (OpenSSL)
/// when the digest was computed, and falls back to assumed keys (issuer+serial only).
/// `verified` (optional) remembers outcomes of the public-key operation across runs, keyed by
/// sha256(certificate, signature, digest).
SigVerdict verify_signature(const model::Signature& sig, const model::KernelFacts& k,
                            read::KeyValueCache* verified = nullptr);

}  // namespace ofsck::check
