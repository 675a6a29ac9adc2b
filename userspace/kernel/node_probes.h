#pragma once
// Probes of the node around netfilter: conntrack over netlink, rules in iptables-legacy
// tables (which nft tracing cannot see), and the WireGuard link type.
#include "model/kernel_verdict.h"

namespace fwpath::kernel {

// An IPCTNL_MSG_CT_GET dump answered inside the private namespace netns_fd.
model::FeatureResult probe_conntrack_netlink(int netns_fd);

// A finding, not a capability: available means iptables-legacy tables with rules exist
// in the calling thread's (the node's) namespace. Read-only: reads
// /proc/net/ip{,6}_tables_names and asks each listed table's size with
// IPT_SO_GET_INFO/IP6T_SO_GET_INFO; never creates a table, never loads a module.
model::FeatureResult probe_iptables_legacy_in_use();

// A wireguard link created (then deleted) inside the private namespace netns_fd.
model::FeatureResult probe_wireguard(int netns_fd);

}  // namespace fwpath::kernel
