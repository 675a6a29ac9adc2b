/* The one header shared by the BPF programs and the user-space reader.
 * Every structure that crosses the ring buffer or a map lives here; the unit test
 * tests/unit/shared_layout_test.cpp pins sizes and offsets so that a change on one
 * side cannot silently desynchronise the other. Plain C, fixed-width types only. */
#ifndef FWPATH_EVENTS_H
#define FWPATH_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define FWPATH_IFNAMSIZ 16
#define FWPATH_PKT_SNAP 128 /* bytes of the packet copied from its network header */
#define FWPATH_MAX_WATCH 256
#define FWPATH_MAX_NETNS 64 /* traced namespaces the kernel side filters on */
#define FWPATH_FAST_NETNS 8 /* of those, how many the tp_btf programs test before anything else */
#define FWPATH_LOCATION_NAME 64 /* "nft_do_chain+0x46f/0x9a0 [nf_tables]", cut to fit */

/* Where in the kernel an event was taken. */
enum fwpath_event_kind {
	FWPATH_EV_DROP = 1, /* skb:kfree_skb: the packet died */
	FWPATH_EV_XMIT = 2, /* net:net_dev_start_xmit: as the device transmits it (after SNAT) */
	FWPATH_EV_RECV = 3, /* net:netif_receive_skb: as the device received it (before DNAT) */
};

enum fwpath_event_flags {
	FWPATH_F_HAS_REASON = 1 << 0, /* the kernel's kfree_skb carries a drop reason */
	FWPATH_F_IPV6 = 1 << 1,
	FWPATH_F_ICMP_INNER = 1 << 2, /* ports were read from the packet quoted in an ICMP error */
	FWPATH_F_MARKER = 1 << 3,     /* matched by its UDP probe marker, not by a port:
				       * watch_id is the marker's probe */
	FWPATH_F_LOCATION_NAMED = 1 << 4, /* location_name holds the kernel's %pS of location */
};

/* A packet the kernel side matched against the watch list. Addresses are in network
 * byte order as they sit in the header; ports in host order. */
struct fwpath_event {
	__u64 ts_ns;    /* bpf_ktime_get_ns() */
	__u64 skb;      /* skb address: ties events of one packet together */
	__u64 location; /* kfree_skb caller address; 0 for other kinds */
	__u32 kind;     /* enum fwpath_event_kind */
	__u32 reason;   /* enum skb_drop_reason where the kernel has it, else 0 */
	__u32 netns;    /* network namespace inode number */
	__u32 ifindex;
	__u32 pkt_len;  /* skb->len */
	__u32 snap_len; /* valid bytes in pkt[] */
	__u32 watch_id; /* value of the matching watch entry */
	__u16 l3proto;  /* ETH_P_IP or ETH_P_IPV6, host order */
	__u8 l4proto;   /* IPPROTO_* of the (inner, for ICMP errors) flow */
	__u8 flags;     /* enum fwpath_event_flags */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	char ifname[FWPATH_IFNAMSIZ];
	__u8 pkt[FWPATH_PKT_SNAP]; /* from the network header on */
	/* Drops, where the kernel has bpf_snprintf() (5.13 on): the location as the kernel
	 * names it ("%pS"), so that user space need not read /proc/kallsyms. */
	char location_name[FWPATH_LOCATION_NAME];
};

/* Key of the watch map: a packet is reported when its L4 protocol and either its
 * source or destination port are in the map. Matching on ports rather than on whole
 * tuples keeps the probe visible across SNAT/DNAT that rewrite addresses. */
struct fwpath_watch_key {
	__u8 l4proto;
	__u8 pad;
	__u16 port; /* host order */
};

/* Indices of the per-CPU counter array. */
enum fwpath_counter {
	FWPATH_CNT_RINGBUF_LOST = 0, /* bpf_ringbuf_reserve failed: events lost */
	FWPATH_CNT_MATCHED = 1,
	FWPATH_CNT_MAX = 2,
};

#endif
