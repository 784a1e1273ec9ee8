#pragma once
/// The kernel's facts that prepare() decides from what it read (check/kernel_facts.cc).
#include <optional>
#include <string>
#include <string_view>

#include "check/node.hpp"

namespace ofsck::check {

/// Kernel configuration switches that change load decisions, from the first .config found
/// where distributions keep it: /boot/config-KVER, the package layout's <moddir>/KVER/config,
/// then the headers' .config.
void read_kernel_config(const Node& p, model::KernelFacts& k);

/// vermagic, the fallback signer, CONFIG_MODVERSIONS, the ELF kind and namespaces: from the
/// kernel's own (in-tree) modules when nothing better says (after the tree is resolved and the
/// trusted keys are known). `symvers_all_zero`: every vmlinux CRC of the export list is 0.
void derive_kernel_facts(std::optional<bool> symvers_all_zero, Node& p);

/// A finding about an input (its location only when `where` names a path).
Finding input_finding(std::string_view rule, std::string subject, SourceRef where,
                      std::string message, std::string hint = {});

}  // namespace ofsck::check
