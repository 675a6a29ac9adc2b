#pragma once
// BPF feature probes: each loads one program of the embedded feature_probes skeleton
// (bpf/feature_probes.bpf.c), alone, and attaches it for real; the feature is available
// only when both worked. Every program, link and tc hook is gone when the probe returns.
#include "model/kernel_verdict.h"
#include "util/error.h"

namespace fwpath::kernel {

// The two kfree_skb probes attach, then drop one datagram inside the private namespace
// netns_fd (lo up) and check that the program ran; with netns_fd < 0 they only attach.
// tracefs_ready: what ensure_tracefs() said (run by the command before any thread); a
// classic tracepoint is attached by an id read from tracefs.
model::FeatureResult probe_tracepoint(const Status& tracefs_ready, int netns_fd);
// raw_tp/kfree_skb: how the tracer attaches first (no perf record built per packet).
model::FeatureResult probe_raw_tracepoint(int netns_fd);
model::FeatureResult probe_tp_btf(int netns_fd);
model::FeatureResult probe_fentry_vmlinux();    // fentry on nf_hook_slow
model::FeatureResult probe_fentry_nf_tables();  // fentry on nft_do_chain
model::FeatureResult probe_kprobe();            // kprobe on nf_hook_slow
// tc clsact on `lo` of the private namespace netns_fd (lo must be up): attaches, sends
// one datagram over lo and checks that the program ran.
model::FeatureResult probe_tc(int netns_fd);
// A BPF_MAP_TYPE_RINGBUF map, created and mapped the way the tracer consumes it.
model::FeatureResult probe_ringbuf();

}  // namespace fwpath::kernel
