#pragma once
// BTF probes: the kernel's own type information, which CO-RE relocation, fentry and
// tp_btf depend on, and what it says about skb:kfree_skb.
#include <bpf/btf.h>

#include "kernel/nf_tables_location.h"
#include "model/kernel_verdict.h"
#include "util/c_handle.h"
#include "util/error.h"

namespace fwpath::kernel {

using BtfHandle = CHandle<btf, btf__free>;

// Loads vmlinux BTF the way libbpf's CO-RE does (sysfs first, then vmlinux images on disk).
Result<BtfHandle> load_vmlinux_btf();

model::FeatureResult btf_vmlinux_feature(const Result<BtfHandle>& vmlinux);

// Module BTF in /sys/kernel/btf, loaded for real (nf_tables' when it is a module). On a
// kernel without loadable modules: unavailable, "no modules: nf_tables built in ...".
model::FeatureResult probe_btf_modules(const btf* vmlinux, const NfTablesLocation& nf_tables);

// Whether struct trace_event_raw_kfree_skb has a `reason` member, and at which offset.
model::FeatureResult probe_kfree_skb_reason(const btf* vmlinux);

}  // namespace fwpath::kernel
