#include "sources/drop_reasons.h"

#include <bpf/btf.h>

#include "util/c_handle.h"

namespace fwpath::sources {

std::string strip_drop_reason_prefix(std::string_view enumerator) {
  constexpr std::string_view kPrefix = "SKB_DROP_REASON_";
  if (enumerator.size() > kPrefix.size() && enumerator.substr(0, kPrefix.size()) == kPrefix) {
    enumerator.remove_prefix(kPrefix.size());
  }
  return std::string(enumerator);
}

namespace {

bool struct_has_member(const struct btf* btf, const char* type, const char* member) {
  const __s32 id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
  if (id < 0) return false;
  const struct btf_type* t = btf__type_by_id(btf, static_cast<__u32>(id));
  if (t == nullptr) return false;
  const struct btf_member* members = btf_members(t);
  for (__u16 i = 0; i < btf_vlen(t); ++i) {
    const char* name = btf__name_by_offset(btf, members[i].name_off);
    if (name != nullptr && std::string_view(name) == member) return true;
  }
  return false;
}

}  // namespace

DropReasons DropReasons::from_btf(const struct btf* btf) {
  DropReasons out;
  out.tracepoint_has_reason_ = struct_has_member(btf, "trace_event_raw_kfree_skb", "reason");
  const __s32 id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
  if (id < 0) return out;
  const struct btf_type* t = btf__type_by_id(btf, static_cast<__u32>(id));
  if (t == nullptr || !btf_is_enum(t)) return out;
  const struct btf_enum* values = btf_enum(t);
  for (__u16 i = 0; i < btf_vlen(t); ++i) {
    const char* name = btf__name_by_offset(btf, values[i].name_off);
    if (name == nullptr) continue;
    out.names_.emplace(static_cast<uint32_t>(values[i].val), strip_drop_reason_prefix(name));
  }
  return out;
}

Result<DropReasons> DropReasons::from_vmlinux() {
  CHandle<struct btf, btf__free> btf(btf__load_vmlinux_btf());
  if (!btf) return sys_error("load kernel BTF", "/sys/kernel/btf/vmlinux");
  return from_btf(btf.get());
}

std::optional<std::string> DropReasons::name(uint32_t code) const {
  auto it = names_.find(code);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

}  // namespace fwpath::sources
