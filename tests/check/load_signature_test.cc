// load/signature.cc: module_sig_check() outcomes, enforced or not, and lockdown.
#include "load_util.hpp"

namespace ofsck::check::testing {
namespace {

TEST(LoadSignature, EveryStatus) {
  auto status = [](SigStatus s, bool enforce = false, std::string lockdown = "") {
    return [=](model::KernelFacts& k, model::ModuleFile&, SigVerdict& sig) {
      sig.status = s;
      k.sig_enforce = enforce;
      k.lockdown = lockdown;
    };
  };
  const std::string taint =
      "labhello: module verification failed: signature and/or required key missing - tainting "
      "kernel";
  run_rows(facts_61(),
           {
               {"trusted", status(SigStatus::kOk), true, 0, Stage::kNone, {}},
               {"no trust information", status(SigStatus::kUnknown), true, 0, Stage::kNone, {}},
               {"unsigned, not enforced: taints E",
                status(SigStatus::kUnsigned),
                true,
                0,
                Stage::kNone,
                {taint},
                "E"},
               {"unknown key, not enforced",
                status(SigStatus::kNoKey),
                true,
                0,
                Stage::kNone,
                {taint},
                "E"},
               {"unsigned, enforced",
                status(SigStatus::kUnsigned, true),
                false,
                EKEYREJECTED,
                Stage::kSignature,
                {"Loading of unsigned module is rejected"}},
               {"unknown key, enforced",
                status(SigStatus::kNoKey, true),
                false,
                EKEYREJECTED,
                Stage::kSignature,
                {"Loading of module with unavailable key is rejected"}},
               {"unsupported crypto, enforced",
                status(SigStatus::kUnsupported, true),
                false,
                EKEYREJECTED,
                Stage::kSignature,
                {"Loading of module with unsupported crypto is rejected"}},
               {"malformed: fatal even unenforced",
                status(SigStatus::kBadMessage),
                false,
                EBADMSG,
                Stage::kSignature,
                {}},
               {"bad signature by a trusted key",
                status(SigStatus::kRejected),
                false,
                EKEYREJECTED,
                Stage::kSignature,
                {}},
               {"lockdown",
                status(SigStatus::kUnsigned, false, "integrity"),
                false,
                EPERM,
                Stage::kSignature,
                {"Lockdown: modprobe: unsigned module loading is restricted; see man "
                 "kernel_lockdown.7"}},
           });
}

TEST(LoadSignature, LinesCarryTheirRule) {
  model::KernelFacts k = facts_61();
  model::ModuleFile m = module_for(k);
  SigVerdict sig;
  sig.status = SigStatus::kUnsigned;
  LoadVerdict v = simulate_load(k, sig, m, {});
  EXPECT_EQ(rule_of(v, lines(v).at(0)), kUnsignedTaint);
  k.sig_enforce = true;
  v = simulate_load(k, sig, m, {});
  EXPECT_EQ(rule_of(v, "Loading of unsigned module is rejected"), kSignatureRejected);
}

TEST(LoadSignature, NoModuleSigNoCheck) {
  model::KernelFacts k = facts_61();
  k.module_sig = false;
  k.sig_enforce = true;
  model::ModuleFile m = module_for(k);
  SigVerdict sig;
  sig.status = SigStatus::kUnsigned;
  EXPECT_TRUE(simulate_load(k, sig, m, {}).loads);
}

}  // namespace
}  // namespace ofsck::check::testing
