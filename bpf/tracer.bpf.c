// SPDX-License-Identifier: GPL-2.0
/* The tracer's kernel side: three tracepoints, filtered in the kernel to the probe's
 * ports and namespaces, report where a probe packet died (skb:kfree_skb), how it left a
 * device (net:net_dev_start_xmit, after SNAT) and how it arrived (net:netif_receive_skb,
 * before DNAT). Raw tracepoints first (every kernel from 5.10 on, and kernels without
 * the tracing program type), classic ones as the fallback; user space loads one set.
 * Every skb field is read through CO-RE, since the layouts move between kernels. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

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

/* The network namespaces (inode numbers) whose packets are reported, once user space
 * turned the filter on: two fwpath runs on one machine must not see each other's
 * probes, which may carry the same ports in another lab. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWPATH_MAX_NETNS);
	__type(key, __u32);
	__type(value, __u8);
} netns_watch SEC(".maps");

/* Set by user space after load (skeleton .bss) when netns_watch is filled. */
__u32 netns_filter_on = 0;

/* The traced namespaces again, as a short list the tp_btf programs compare first: there the
 * namespace of a packet is three plain loads, so traffic of every other namespace on the
 * machine leaves without a helper call or a map lookup. 0 entries: more namespaces are
 * traced than the list holds, and the map above decides later. */
__u32 netns_fast[FWPATH_FAST_NETNS] = {};
__u32 netns_fast_count = 0;

/* The longest skb a probe's packet can be (set by user space from the probes' sizes, with
 * room for link headers and ICMP errors quoting them; 0: no limit). Longer ones are GSO
 * aggregates of bulk traffic: the tp_btf programs skip them with one plain load, before any
 * helper call. */
__u32 skb_len_max = 0;

static __always_inline bool too_long_for_a_probe(struct sk_buff *skb)
{
	const __u32 max = skb_len_max;
	return max != 0 && skb->len > max;
}

/* Every watched port, whatever its protocol, one bit each (set by user space through the
 * skeleton's .bss). Nearly every packet a tracer left attached to a busy node sees is not
 * a probe's: for it, two loads from this array decide, instead of two hash lookups. */
__u64 watched_port_bits[65536 / 64] = {};

static __always_inline bool port_watched(__u16 port)
{
	return (watched_port_bits[(port >> 6) & (65536 / 64 - 1)] >> (port & 63)) & 1;
}

/* Markers of the UDP probes (sender index -> watch id): a probe whose ports a DNAT and a
 * random SNAT both changed is still recognised by its payload. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWPATH_MAX_WATCH);
	__type(key, __u32);
	__type(value, __u32);
} markers SEC(".maps");

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
	__u32 marker; /* sender index of a WireGuard-shaped initiation, if has_marker */
	__u8 has_marker;
};

/* A UDP probe is a 148-byte WireGuard-shaped handshake initiation: type 1, three zero
 * bytes, then the sender index that fwpath sets to the probe's marker. */
#define WG_INITIATION_UDP_LEN (8 + 148)

/* The first bytes from the network header on: an IPv4 header without options or an
 * IPv6 header, then the ports. One read gives what the common case needs to decide. */
#define HDR_READ 48
union headers {
	struct iphdr ip;
	struct ipv6hdr ip6;
	__u8 raw[HDR_READ];
};

static __always_inline void ports_from(const __u8 *p, struct flow *f)
{
	f->sport = ((__u16)p[0] << 8) | p[1];
	f->dport = ((__u16)p[2] << 8) | p[3];
}

static __always_inline int read_ports(const void *l4, __u8 proto, struct flow *f)
{
	__u8 p[4];
	if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_)
		return -1;
	if (bpf_probe_read_kernel(p, sizeof(p), l4))
		return -1;
	ports_from(p, f);
	return 0;
}

/* For an ICMP error at l4, the flow quoted inside it, so that an ICMP unreachable is tied
 * to the probe that caused it. The quoted packet travels the other way: its source port
 * is ours. Rare: only ICMP errors get here. */
static __always_inline int parse_icmp4_inner(const unsigned char *l4, struct flow *f)
{
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
	return read_ports(l4 + 8 + (inner.ihl & 0xf) * 4, inner.protocol, f);
}

static __always_inline int parse_icmp6_inner(const unsigned char *l4, struct flow *f)
{
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
	return read_ports(l4 + 8 + sizeof(inner), inner.nexthdr, f);
}

/* Parses an IPv4 or IPv6 packet at nh, cheapest test first: one read of the headers,
 * then out on any protocol that is neither TCP, UDP nor ICMP. */
static __always_inline int parse_flow(const unsigned char *nh, struct flow *f)
{
	union headers h;
	if (bpf_probe_read_kernel(&h, sizeof(h), nh))
		return -1;
	const __u8 version = h.raw[0] >> 4;
	if (version == 4) {
		const __u8 proto = h.ip.protocol;
		if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_ && proto != IPPROTO_ICMP_)
			return -1;
		const __u32 ihl = (h.ip.ihl & 0xf) * 4;
		f->l3proto = ETH_P_IP;
		f->l4proto = proto;
		f->ip_len = bpf_ntohs(h.ip.tot_len);
		__builtin_memcpy(f->saddr, &h.ip.saddr, 4);
		__builtin_memcpy(f->daddr, &h.ip.daddr, 4);
		if (proto == IPPROTO_ICMP_)
			return parse_icmp4_inner(nh + ihl, f);
		if (ihl == sizeof(struct iphdr)) {
			const __u8 *l4 = &h.raw[sizeof(struct iphdr)];
			ports_from(l4, f);
			/* The first 8 payload bytes are in the buffer already. */
			if (proto == IPPROTO_UDP_ && (((__u16)l4[4] << 8) | l4[5]) == WG_INITIATION_UDP_LEN &&
			    l4[8] == 1 && l4[9] == 0 && l4[10] == 0 && l4[11] == 0) {
				f->marker = l4[12] | (__u32)l4[13] << 8 | (__u32)l4[14] << 16 |
					    (__u32)l4[15] << 24;
				f->has_marker = 1;
			}
			return 0;
		}
		return read_ports(nh + ihl, proto, f);
	}
	if (version == 6) {
		const __u8 proto = h.ip6.nexthdr;
		if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_ && proto != IPPROTO_ICMPV6_)
			return -1;
		f->l3proto = ETH_P_IPV6;
		f->l4proto = proto;
		f->flags |= FWPATH_F_IPV6;
		f->ip_len = bpf_ntohs(h.ip6.payload_len) + sizeof(struct ipv6hdr);
		__builtin_memcpy(f->saddr, &h.ip6.saddr, 16);
		__builtin_memcpy(f->daddr, &h.ip6.daddr, 16);
		if (proto == IPPROTO_ICMPV6_)
			return parse_icmp6_inner(nh + sizeof(struct ipv6hdr), f);
		const __u8 *l4 = &h.raw[sizeof(struct ipv6hdr)];
		ports_from(l4, f);
		/* The UDP length is past the buffer: one more read, for UDP only. */
		if (proto == IPPROTO_UDP_) {
			__u8 rest[12];
			if (!bpf_probe_read_kernel(rest, sizeof(rest), nh + sizeof(struct ipv6hdr) + 4) &&
			    (((__u16)rest[0] << 8) | rest[1]) == WG_INITIATION_UDP_LEN && rest[4] == 1 &&
			    rest[5] == 0 && rest[6] == 0 && rest[7] == 0) {
				f->marker = rest[8] | (__u32)rest[9] << 8 | (__u32)rest[10] << 16 |
					    (__u32)rest[11] << 24;
				f->has_marker = 1;
			}
		}
		return 0;
	}
	return -1;
}

/* The probe's marker first: it names the probe exactly, whatever NAT made of the ports
 * (a fully random masquerade keeps only the destination port, which other traffic to the
 * same service shares), and user space learns the rewritten flow from it. Only
 * WireGuard-shaped initiations carry one, so other packets go straight to the ports. */
static __always_inline __u32 *watched(struct flow *f)
{
	__u32 *id;
	if (f->has_marker) {
		id = bpf_map_lookup_elem(&markers, &f->marker);
		if (id) {
			f->flags |= FWPATH_F_MARKER;
			return id;
		}
	}
	if (!port_watched(f->sport) && !port_watched(f->dport))
		return 0;
	struct fwpath_watch_key k = {.l4proto = f->l4proto, .port = f->sport};
	id = bpf_map_lookup_elem(&watch, &k);
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

/* The event for the packet whose network header is at nh, if it is a probe's. With `named`,
 * a drop's location is printed by the kernel (bpf_snprintf, "%pS"): the programs that do
 * so load only where the kernel has that helper (5.13 on); user space falls back to the
 * ones that do not, and to /proc/kallsyms. */
static __always_inline int emit_at(struct sk_buff *skb, const unsigned char *nh, __u32 kind, __u64 location,
				   __u32 reason, __u8 extra_flags, bool named)
{
	if (!nh)
		return 0;
	struct flow f = {};
	if (parse_flow(nh, &f))
		return 0;
	__u32 *id = watched(&f);
	if (!id)
		return 0;
	const __u32 netns = netns_of(skb);
	if (netns_filter_on && !bpf_map_lookup_elem(&netns_watch, &netns))
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
	e->netns = netns;
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
	e->location_name[0] = 0;
	if (named && location) {
		static const char fmt[] = "%pS";
		__u64 args[1] = {location};
		if (bpf_snprintf(e->location_name, sizeof(e->location_name), fmt, args, sizeof(args)) > 0)
			e->flags |= FWPATH_F_LOCATION_NAMED;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline int emit(struct sk_buff *skb, __u32 kind, __u64 location, __u32 reason,
				__u8 extra_flags, bool data_is_l3, bool named)
{
	return emit_at(skb, network_header(skb, data_is_l3), kind, location, reason, extra_flags, named);
}

/* Raw tracepoints: the kernel calls the program with the tracepoint's own arguments and
 * builds no perf record, so a packet that is not a probe costs only the filter above.
 * The arguments are read as ctx->args[i]; the kernel refuses to attach a program that
 * reads past the tracepoint's last argument, so kfree_skb has one program per argument
 * list and user space loads the one the running kernel's BTF describes
 * (btf_trace_kfree_skb): (skb, location) before 5.17, (skb, location, reason) on, with
 * an rx_sk after them from 6.12 that we do not read. */
SEC("raw_tp/kfree_skb")
int fwpath_kfree_skb_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx->args[0];
	return emit(skb, FWPATH_EV_DROP, ctx->args[1], 0, 0, false, false);
}

SEC("raw_tp/kfree_skb")
int fwpath_kfree_skb_raw_reason(struct bpf_raw_tracepoint_args *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx->args[0];
	return emit(skb, FWPATH_EV_DROP, ctx->args[1], (__u32)ctx->args[2], FWPATH_F_HAS_REASON, false, false);
}

/* The same two, naming the location in the kernel (bpf_snprintf, 5.13 on). */
SEC("raw_tp/kfree_skb")
int fwpath_kfree_skb_raw_named(struct bpf_raw_tracepoint_args *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx->args[0];
	return emit(skb, FWPATH_EV_DROP, ctx->args[1], 0, 0, false, true);
}

SEC("raw_tp/kfree_skb")
int fwpath_kfree_skb_raw_reason_named(struct bpf_raw_tracepoint_args *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx->args[0];
	return emit(skb, FWPATH_EV_DROP, ctx->args[1], (__u32)ctx->args[2], FWPATH_F_HAS_REASON, false, true);
}

SEC("raw_tp/net_dev_start_xmit")
int fwpath_dev_xmit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return emit((struct sk_buff *)ctx->args[0], FWPATH_EV_XMIT, 0, 0, 0, false, false);
}

SEC("raw_tp/netif_receive_skb")
int fwpath_dev_recv_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return emit((struct sk_buff *)ctx->args[0], FWPATH_EV_RECV, 0, 0, 0, true, false);
}

/* BTF-typed tracepoints (tp_btf): the same two device tracepoints, where the kernel has the
 * tracing program type. The skb's scalar fields are then plain loads that the verifier
 * checks against BTF instead of bpf_probe_read_kernel() calls, so a packet that is not a
 * probe's (nearly every packet a tracer attached to a busy node sees) costs two helper
 * calls instead of three. Its pointers (head, data) are still read with the helper:
 * loaded directly, recent kernels (6.18) type them as untrusted read-only memory, which the
 * helper refuses as a source and older ones do not let a program read. kfree_skb stays a
 * raw tracepoint: it runs for dropped packets only. */
/* Whether the packet may be from a traced namespace, by the short list; a packet without a
 * device is left to emit_at(), which also looks at its socket. */
static __always_inline bool maybe_traced_btf(struct sk_buff *skb)
{
	const __u32 n = netns_fast_count;
	if (!netns_filter_on || n == 0)
		return true;
	struct net_device *dev = skb->dev;
	if (!dev)
		return true;
	const __u32 inum = dev->nd_net.net->ns.inum;
#pragma unroll
	for (int i = 0; i < FWPATH_FAST_NETNS; i++) {
		if (i < n && netns_fast[i] == inum)
			return true;
	}
	return false;
}

static __always_inline const unsigned char *network_header_btf(struct sk_buff *skb, bool data_is_l3)
{
	__u16 nh = skb->network_header;
	if (nh != (__u16)~0U && nh != 0)
		return BPF_CORE_READ(skb, head) + nh;
	if (data_is_l3)
		return BPF_CORE_READ(skb, data);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(fwpath_dev_xmit_btf, struct sk_buff *skb, struct net_device *dev)
{
	if (!maybe_traced_btf(skb) || too_long_for_a_probe(skb))
		return 0;
	return emit_at(skb, network_header_btf(skb, false), FWPATH_EV_XMIT, 0, 0, 0, false);
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(fwpath_dev_recv_btf, struct sk_buff *skb)
{
	if (!maybe_traced_btf(skb) || too_long_for_a_probe(skb))
		return 0;
	return emit_at(skb, network_header_btf(skb, true), FWPATH_EV_RECV, 0, 0, 0, false);
}

/* Classic tracepoints: the fallback where raw tracepoints cannot be attached. The kernel
 * fills a perf record for every packet before the program runs; the record's layout
 * moves between kernels, so its fields are read through CO-RE. */
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
	return emit(skb, FWPATH_EV_DROP, location, reason, flags, false, false);
}

SEC("tracepoint/net/net_dev_start_xmit")
int fwpath_dev_xmit(struct trace_event_raw_net_dev_start_xmit *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);
	return emit(skb, FWPATH_EV_XMIT, 0, 0, 0, false, false);
}

SEC("tracepoint/net/netif_receive_skb")
int fwpath_dev_recv(struct trace_event_raw_net_dev_template *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);
	return emit(skb, FWPATH_EV_RECV, 0, 0, 0, true, false);
}
