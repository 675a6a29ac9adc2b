#pragma once
// Names of the kernel's skb drop reasons (enum skb_drop_reason), read from the running
// kernel's BTF. The numbers are not stable between kernels (values are inserted in the
// middle of the enum), so they are never hard-coded: the name is looked up in the BTF of
// the kernel that produced the number.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

struct btf;

namespace fwpath::sources {

// "SKB_DROP_REASON_NETFILTER_DROP" -> "NETFILTER_DROP"; names without the prefix
// (SKB_CONSUMED, SKB_NOT_DROPPED_YET) are kept as they are.
std::string strip_drop_reason_prefix(std::string_view enumerator);

class DropReasons {
 public:
  // Reads enum skb_drop_reason from a BTF object. A BTF without the enum (kernels before
  // 5.17, e.g. 5.10) yields an empty table, not an error: drops there carry no reason.
  static DropReasons from_btf(const struct btf* btf);
  // The same from /sys/kernel/btf/vmlinux.
  static Result<DropReasons> from_vmlinux();

  // The name for a reason code, without the SKB_DROP_REASON_ prefix. std::nullopt for a
  // code the enum does not list (for instance a subsystem-specific reason, whose upper
  // 16 bits name another enum).
  [[nodiscard]] std::optional<std::string> name(uint32_t code) const;
  // Whether the kernel's skb:kfree_skb tracepoint has a `reason` field (5.17 on): a
  // feature probe on the same BTF the BPF program's CO-RE relocation reads.
  [[nodiscard]] bool tracepoint_has_reason() const { return tracepoint_has_reason_; }
  [[nodiscard]] bool empty() const { return names_.empty(); }
  [[nodiscard]] size_t size() const { return names_.size(); }

 private:
  std::map<uint32_t, std::string> names_;
  bool tracepoint_has_reason_ = false;
};

}  // namespace fwpath::sources
