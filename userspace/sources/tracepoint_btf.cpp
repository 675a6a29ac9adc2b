#include "sources/tracepoint_btf.h"

#include <bpf/btf.h>

#include "util/c_handle.h"

namespace fwpath::sources {

std::optional<uint32_t> raw_tracepoint_arg_count(const struct btf* btf, const std::string& name) {
  const std::string typedef_name = "btf_trace_" + name;
  const __s32 id = btf__find_by_name_kind(btf, typedef_name.c_str(), BTF_KIND_TYPEDEF);
  if (id < 0) return std::nullopt;
  // typedef -> pointer -> function prototype
  const struct btf_type* t = btf__type_by_id(btf, static_cast<__u32>(id));
  if (t == nullptr) return std::nullopt;
  t = btf__type_by_id(btf, t->type);
  if (t == nullptr || !btf_is_ptr(t)) return std::nullopt;
  t = btf__type_by_id(btf, t->type);
  if (t == nullptr || !btf_is_func_proto(t) || btf_vlen(t) == 0) return std::nullopt;
  return static_cast<uint32_t>(btf_vlen(t) - 1);  // without the private data pointer
}

Result<std::optional<uint32_t>> raw_tracepoint_arg_count_vmlinux(const std::string& name) {
  CHandle<struct btf, btf__free> btf(btf__load_vmlinux_btf());
  if (!btf) return sys_error("load kernel BTF", "/sys/kernel/btf/vmlinux");
  return raw_tracepoint_arg_count(btf.get(), name);
}

}  // namespace fwpath::sources
