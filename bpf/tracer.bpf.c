// SPDX-License-Identifier: GPL-2.0
/* The tracer's kernel side: three classic tracepoints, filtered in the kernel to the
 * probe's flows, report where a probe packet died (skb:kfree_skb), how it left a device
 * (net:net_dev_start_xmit, after SNAT) and how it arrived (net:netif_receive_skb, before
 * DNAT). Classic tracepoints are used because they work on every kernel from 5.10 on and
 * on kernels without the tracing program type; every tracepoint field and skb field is
 * read through CO-RE, since their layouts move between kernels. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fwpath_events.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWPATH_MAX_WATCH);
	__type(key, struct fwpath_watch_key);
	__type(value, __u32);
} watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWPATH_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += 1;
}

/* The flow a packet belongs to, as read from its headers. */
struct flow {
	__u16 l3proto;
	__u8 l4proto;
	__u8 flags;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u32 ip_len; /* the outer IP packet's length, from its header */
};

static __always_inline int read_ports(const void *l4, __u8 proto, __u16 *sport, __u16 *dport)
{
	__u16 p[2];
	if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_)
		return -1;
	if (bpf_probe_read_kernel(p, sizeof(p), l4))
		return -1;
	*sport = bpf_ntohs(p[0]);
	*dport = bpf_ntohs(p[1]);
	return 0;
}

/* Parses an IPv4 or IPv6 header at nh. For ICMP errors the flow is the one quoted inside
 * the error, so that an ICMP unreachable is tied to the probe that caused it. */
static __always_inline int parse_flow(const unsigned char *nh, struct flow *f)
{
	__u8 vhl;
	if (bpf_probe_read_kernel(&vhl, 1, nh))
		return -1;
	if ((vhl >> 4) == 4) {
		struct iphdr ip;
		if (bpf_probe_read_kernel(&ip, sizeof(ip), nh))
			return -1;
		const unsigned char *l4 = nh + (ip.ihl & 0xf) * 4;
		f->l3proto = ETH_P_IP;
		f->ip_len = bpf_ntohs(ip.tot_len);
		__builtin_memcpy(f->saddr, &ip.saddr, 4);
		__builtin_memcpy(f->daddr, &ip.daddr, 4);
		f->l4proto = ip.protocol;
		if (ip.protocol == IPPROTO_ICMP_) {
			__u8 type;
			if (bpf_probe_read_kernel(&type, 1, l4))
				return -1;
			if (type != 3 && type != 11 && type != 12)
				return -1;
			struct iphdr inner;
			if (bpf_probe_read_kernel(&inner, sizeof(inner), l4 + 8))
				return -1;
			f->flags |= FWPATH_F_ICMP_INNER;
			f->l4proto = inner.protocol;
			/* The quoted packet travels the other way: its source port is ours. */
			return read_ports(l4 + 8 + (inner.ihl & 0xf) * 4, inner.protocol, &f->sport, &f->dport);
		}
		return read_ports(l4, ip.protocol, &f->sport, &f->dport);
	}
	if ((vhl >> 4) == 6) {
		struct ipv6hdr ip6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), nh))
			return -1;
		const unsigned char *l4 = nh + sizeof(ip6);
		f->l3proto = ETH_P_IPV6;
		f->flags |= FWPATH_F_IPV6;
		f->ip_len = bpf_ntohs(ip6.payload_len) + sizeof(ip6);
		__builtin_memcpy(f->saddr, &ip6.saddr, 16);
		__builtin_memcpy(f->daddr, &ip6.daddr, 16);
		f->l4proto = ip6.nexthdr;
		if (ip6.nexthdr == IPPROTO_ICMPV6_) {
			__u8 type;
			if (bpf_probe_read_kernel(&type, 1, l4))
				return -1;
			if (type < 1 || type > 4)
				return -1;
			struct ipv6hdr inner;
			if (bpf_probe_read_kernel(&inner, sizeof(inner), l4 + 8))
				return -1;
			f->flags |= FWPATH_F_ICMP_INNER;
			f->l4proto = inner.nexthdr;
			return read_ports(l4 + 8 + sizeof(inner), inner.nexthdr, &f->sport, &f->dport);
		}
		return read_ports(l4, ip6.nexthdr, &f->sport, &f->dport);
	}
	return -1;
}

static __always_inline __u32 *watched(const struct flow *f)
{
	struct fwpath_watch_key k = {.l4proto = f->l4proto, .port = f->sport};
	__u32 *id = bpf_map_lookup_elem(&watch, &k);
	if (id)
		return id;
	k.port = f->dport;
	return bpf_map_lookup_elem(&watch, &k);
}

/* The network header of an skb; before the stack has set it (0xffff on recent kernels,
 * ~0 offsets on older ones) the data pointer stands at the network header on receive. */
static __always_inline const unsigned char *network_header(struct sk_buff *skb, bool data_is_l3)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	if (nh != (__u16)~0U && nh != 0)
		return head + nh;
	if (data_is_l3)
		return BPF_CORE_READ(skb, data);
	return 0;
}

static __always_inline __u32 netns_of(struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (dev)
		return BPF_CORE_READ(dev, nd_net.net, ns.inum);
	struct sock *sk = BPF_CORE_READ(skb, sk);
	if (sk)
		return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	return 0;
}

static __always_inline int emit(struct sk_buff *skb, __u32 kind, __u64 location, __u32 reason,
				__u8 extra_flags, bool data_is_l3)
{
	const unsigned char *nh = network_header(skb, data_is_l3);
	if (!nh)
		return 0;
	struct flow f = {};
	if (parse_flow(nh, &f))
		return 0;
	__u32 *id = watched(&f);
	if (!id)
		return 0;
	count(FWPATH_CNT_MATCHED);

	struct fwpath_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(FWPATH_CNT_RINGBUF_LOST);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->skb = (__u64)skb;
	e->location = location;
	e->kind = kind;
	e->reason = reason;
	e->netns = netns_of(skb);
	e->pkt_len = BPF_CORE_READ(skb, len);
	e->watch_id = *id;
	e->l3proto = f.l3proto;
	e->l4proto = f.l4proto;
	e->flags = f.flags | extra_flags;
	__builtin_memcpy(e->saddr, f.saddr, 16);
	__builtin_memcpy(e->daddr, f.daddr, 16);
	e->sport = f.sport;
	e->dport = f.dport;
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		e->ifindex = BPF_CORE_READ(dev, ifindex);
		bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), dev->name);
	} else {
		e->ifindex = 0;
		e->ifname[0] = 0;
	}
	/* Copy what the header reports as the IP packet's length, at most the snapshot and
	 * never past the skb's linear data: a fixed-size copy would report whatever lies
	 * after a short packet (tail room, skb_shared_info) as packet bytes. */
	__u32 snap = f.ip_len;
	const unsigned char *head = BPF_CORE_READ(skb, head);
	/* On 64-bit kernels skb->tail is an offset from head (NET_SKBUFF_DATA_USES_OFFSET). */
	const unsigned char *end = head + BPF_CORE_READ(skb, tail);
	if (end <= nh)
		snap = 0;
	else if (snap > (__u64)(end - nh))
		snap = end - nh;
	/* Two reads with sizes the verifier can bound on its own: the constant snapshot, or
	 * a length masked below it. clang knows the mask is a no-op after the comparison and
	 * drops it, and the verifier does not carry the comparison's bound to the call:
	 * barrier_var() hides the value from clang so that the mask stays. */
	long err;
	if (snap >= FWPATH_PKT_SNAP) {
		snap = FWPATH_PKT_SNAP;
		err = bpf_probe_read_kernel(e->pkt, FWPATH_PKT_SNAP, nh);
	} else {
		barrier_var(snap);
		snap &= FWPATH_PKT_SNAP - 1;
		err = bpf_probe_read_kernel(e->pkt, snap, nh);
	}
	e->snap_len = err ? 0 : snap;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int fwpath_kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);
	__u64 location = (__u64)BPF_CORE_READ(ctx, location);
	__u32 reason = 0;
	__u8 flags = 0;
	/* 'reason' appeared in 5.17 and moved from offset 28 to 36 in 6.12: CO-RE finds it. */
	if (bpf_core_field_exists(ctx->reason)) {
		reason = BPF_CORE_READ(ctx, reason);
		flags = FWPATH_F_HAS_REASON;
	}
	return emit(skb, FWPATH_EV_DROP, location, reason, flags, false);
}

SEC("tracepoint/net/net_dev_start_xmit")
int fwpath_dev_xmit(struct trace_event_raw_net_dev_start_xmit *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);
	return emit(skb, FWPATH_EV_XMIT, 0, 0, 0, false);
}

SEC("tracepoint/net/netif_receive_skb")
int fwpath_dev_recv(struct trace_event_raw_net_dev_template *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);
	return emit(skb, FWPATH_EV_RECV, 0, 0, 0, true);
}
