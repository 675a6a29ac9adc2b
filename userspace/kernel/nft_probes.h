#pragma once
// nftables probes, each a real attempt inside the private namespace netns_fd (lo up):
// a trace event delivered over netlink for a datagram we send, and a table that carries
// the owner flag and vanishes when its netlink socket closes.
#include "model/kernel_verdict.h"

namespace fwpath::kernel {

// A table whose only rule is `udp dport P meta nftrace set 1` on output, one datagram to
// 127.0.0.1:P, and an NFT_MSG_TRACE for that table awaited on NFNLGRP_NFTRACE (500 ms).
model::FeatureResult probe_nft_trace(int netns_fd);

// A table created with NFT_TABLE_F_OWNER (libnftnl, on its own socket), seen in a dump,
// then gone from a fresh dump once that socket is closed.
model::FeatureResult probe_nft_table_owner(int netns_fd);

}  // namespace fwpath::kernel
