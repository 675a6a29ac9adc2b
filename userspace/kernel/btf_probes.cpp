#include "kernel/btf_probes.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "kernel/probe_support.h"

namespace fwpath::kernel {

namespace {

constexpr const char* kSysBtf = "/sys/kernel/btf";

using Dir = CHandle<DIR, closedir>;

// Entries of /sys/kernel/btf other than vmlinux: one per loaded module that has BTF.
Result<std::vector<std::string>> module_btf_names() {
  const Dir dir(::opendir(kSysBtf));
  if (!dir) return sys_error("list", kSysBtf);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name != "." && name != ".." && name != "vmlinux") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string type_name(const btf* b, const btf_type* t) {
  const char* name = btf__name_by_offset(b, t->name_off);
  return name != nullptr ? name : "";
}

}  // namespace

Result<BtfHandle> load_vmlinux_btf() {
  BtfHandle b(btf__load_vmlinux_btf());
  if (!b) return sys_error("load vmlinux BTF", "");
  return b;
}

model::FeatureResult btf_vmlinux_feature(const Result<BtfHandle>& vmlinux) {
  if (!vmlinux) return unavailable("btf_vmlinux", vmlinux.error().what + ": " + errno_text(vmlinux.error().err));
  const std::string source = ::access("/sys/kernel/btf/vmlinux", R_OK) == 0
                                 ? "/sys/kernel/btf/vmlinux"
                                 : "a vmlinux image on disk (no /sys/kernel/btf/vmlinux)";
  return available("btf_vmlinux",
                   "loaded from " + source + ": " + std::to_string(btf__type_cnt(vmlinux->get())) + " types");
}

model::FeatureResult probe_btf_modules(const btf* vmlinux, const NfTablesLocation& nf_tables) {
  if (!nf_tables.modules_supported) {
    std::string where = nf_tables.placement == NfTablesPlacement::BuiltIn ? "nf_tables built in" : nf_tables.describe();
    return unavailable("btf_modules", "no modules: " + where +
                                          "; this kernel cannot load modules (no /proc/modules), so nothing needs "
                                          "module BTF");
  }
  auto names = module_btf_names();
  if (!names) return unavailable("btf_modules", names.error());
  if (names->empty()) {
    return unavailable("btf_modules", "no loaded module exposes BTF in /sys/kernel/btf; " + nf_tables.describe());
  }
  if (vmlinux == nullptr) return unavailable("btf_modules", "module BTF cannot be read without vmlinux BTF");
  // Module BTF is split BTF on top of vmlinux; loading it proves both halves fit.
  const bool has_nft = std::find(names->begin(), names->end(), "nf_tables") != names->end();
  const std::string module = has_nft ? "nf_tables" : names->front();
  const BtfHandle mod(
      btf__load_module_btf(module.c_str(), const_cast<btf*>(vmlinux)));  // NOLINT: libbpf API is not const
  if (!mod) {
    return unavailable("btf_modules", "load BTF of module " + module + ": " + errno_text(errno));
  }
  return available("btf_modules", std::to_string(names->size()) + " modules have BTF; " + module + "'s loaded (" +
                                      std::to_string(btf__type_cnt(mod.get()) - btf__type_cnt(vmlinux)) + " types); " +
                                      nf_tables.describe());
}

model::FeatureResult probe_kfree_skb_reason(const btf* vmlinux) {
  constexpr const char* kStruct = "trace_event_raw_kfree_skb";
  if (vmlinux == nullptr) return unavailable("kfree_skb_reason", "no vmlinux BTF to read skb:kfree_skb from");
  const __s32 id = btf__find_by_name_kind(vmlinux, kStruct, BTF_KIND_STRUCT);
  if (id <= 0) return unavailable("kfree_skb_reason", std::string("struct ") + kStruct + " not in vmlinux BTF");
  const btf_type* st = btf__type_by_id(vmlinux, static_cast<__u32>(id));
  const btf_member* members = btf_members(st);
  for (__u16 i = 0; i < btf_vlen(st); ++i) {
    const char* name = btf__name_by_offset(vmlinux, members[i].name_off);
    if (name == nullptr || std::strcmp(name, "reason") != 0) continue;
    std::string detail = "reason at offset " + std::to_string(btf_member_bit_offset(st, i) / 8) + " of " + kStruct;
    const btf_type* rt = btf__type_by_id(vmlinux, members[i].type);
    if (rt != nullptr && btf_is_any_enum(rt)) {
      detail += " (enum " + type_name(vmlinux, rt) + ", " + std::to_string(btf_vlen(rt)) + " reasons)";
    }
    return available("kfree_skb_reason", detail);
  }
  return unavailable("kfree_skb_reason",
                     std::string(kStruct) + " has no reason member: drops carry their location only");
}

}  // namespace fwpath::kernel
