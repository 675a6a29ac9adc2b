// SPDX-License-Identifier: GPL-2.0
/* Minimal programs that `fwpath kernel-check` loads and attaches one at a time: each
 * answers "can this kernel run a program of this kind, here?" by really doing it.
 * They count and return; none changes a packet's fate (the tc program returns
 * TC_ACT_UNSPEC, which lets the packet continue as if no program were there). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 hits = 0;

SEC("tracepoint/skb/kfree_skb")
int probe_tracepoint(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("raw_tp/kfree_skb")
int probe_raw_tracepoint(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("tp_btf/kfree_skb")
int probe_tp_btf(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("fentry/nf_hook_slow")
int probe_fentry_vmlinux(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("fentry/nft_do_chain")
int probe_fentry_nf_tables(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("kprobe/nf_hook_slow")
int probe_kprobe(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

#define TC_ACT_UNSPEC (-1)
SEC("tc")
int probe_tc(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&hits, 1);
	return TC_ACT_UNSPEC;
}
