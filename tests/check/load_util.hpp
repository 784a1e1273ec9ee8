#pragma once
// Synthetic kernel facts and module rows for the load-step tests (tests/check/load_*_test.cc):
// no Debian tree needed. Each test starts from a module that loads on a modversions 6.1 kernel
// and changes one thing.
#include <cerrno>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "check/load_sim.hpp"
#include "check/rules.hpp"

namespace ofsck::check::testing {

inline constexpr uint16_t kEmX86_64 = 62;
inline constexpr uint16_t kEm386 = 3;

/// A Debian-6.1-like kernel with modversions: vmlinux exports printk (plain), gpl_sym (GPL-only),
/// ns_sym (namespace FOO), kvm_only (namespace "module:kvm,kvm_*") and module_layout.
inline model::KernelFacts facts_61() {
  model::KernelFacts k;
  k.release = "6.1.0-47-amd64";
  k.major = 6;
  k.minor = 1;
  k.vermagic = "6.1.0-47-amd64 SMP preempt mod_unload modversions ";
  k.have_exports = k.exports_have_crcs = true;
  k.vmlinux["module_layout"] = {0x1000u, false, ""};
  k.vmlinux["printk"] = {0x1111u, false, ""};
  k.vmlinux["gpl_sym"] = {0x2222u, true, ""};
  k.vmlinux["ns_sym"] = {0x3333u, false, "FOO"};
  k.vmlinux["kvm_only"] = {0x4444u, true, "module:kvm,kvm_*"};
  k.modversions = true;
  k.force_load = true;
  k.module_sig = true;
  k.elf = {kEmX86_64, 2, false, {}};
  return k;
}

/// Debian 7.x: no CONFIG_MODVERSIONS (every CRC 0 in Module.symvers), "module:" namespaces.
inline model::KernelFacts facts_7x() {
  model::KernelFacts k = facts_61();
  k.release = "7.2.13+deb14-amd64";
  k.major = 7;
  k.minor = 2;
  k.vermagic = "7.2.13+deb14-amd64 SMP preempt mod_unload ";
  for (auto& [name, e] : k.vmlinux) e.crc = 0u;
  k.modversions = false;
  k.namespaces.module_namespaces = true;
  return k;
}

inline model::Import import(std::string name, std::optional<uint32_t> crc, bool in_symtab = true) {
  model::Import i;
  i.name = std::move(name);
  i.crc = crc;
  i.in_symtab = in_symtab;
  return i;
}

/// An in-tree GPL module "labhello" built for `k` that imports printk and loads.
inline model::ModuleFile module_for(const model::KernelFacts& k) {
  model::ModuleFile m;
  m.path = "/lib/modules/" + k.release + "/kernel/labhello.ko";
  m.elf_class = 2;
  m.machine = kEmX86_64;
  m.e_type = 1;
  m.info.name = "labhello";
  m.info.vermagic = k.vermagic;
  m.info.license = "GPL";
  m.info.intree = true;
  m.has_versions = k.modversions;
  if (k.modversions) {
    m.imports.push_back(import("printk", k.vmlinux.at("printk").crc));
    m.imports.push_back(import("module_layout", k.vmlinux.at("module_layout").crc, false));
  } else {
    m.imports.push_back(import("printk", std::nullopt));
  }
  return m;
}

inline SigVerdict signed_ok() {
  SigVerdict s;
  s.status = SigStatus::kOk;
  return s;
}

inline std::vector<std::string> lines(const LoadVerdict& v) {
  std::vector<std::string> out;
  for (const auto& l : v.kernel_messages) out.push_back(l.text);
  return out;
}

/// The rule of the first kernel line whose text is `text` ("" if none).
inline std::string rule_of(const LoadVerdict& v, const std::string& text) {
  for (const auto& l : v.kernel_messages)
    if (l.text == text) return std::string(l.rule);
  return "<no such line>";
}

/// One row of a step table: change the facts and the module, then expect a verdict.
struct Row {
  std::string what;
  std::function<void(model::KernelFacts&, model::ModuleFile&, SigVerdict&)> change;
  bool loads;
  int err;
  Stage stage;
  std::vector<std::string> kernel_lines;  ///< exact, in order
  std::string taints = "";
};

inline void run_rows(const model::KernelFacts& base, const std::vector<Row>& rows,
                     std::span<const LoadedModule> loaded = {}) {
  for (const auto& r : rows) {
    SCOPED_TRACE(r.what);
    model::KernelFacts k = base;
    model::ModuleFile m = module_for(base);
    SigVerdict sig = signed_ok();
    r.change(k, m, sig);
    LoadVerdict v = simulate_load(k, sig, m, loaded);
    EXPECT_EQ(v.loads, r.loads);
    EXPECT_EQ(v.err, r.err);
    EXPECT_EQ(stage_name(v.stage), stage_name(r.stage));
    EXPECT_EQ(lines(v), r.kernel_lines);
    EXPECT_EQ(v.taints, r.taints);
  }
}

inline auto no_change() {
  return [](model::KernelFacts&, model::ModuleFile&, SigVerdict&) {};
}

}  // namespace ofsck::check::testing
