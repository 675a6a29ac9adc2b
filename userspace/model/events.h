#pragma once
// The events the sources produce and the correlator consumes. Plain values: sources
// turn kernel data into these, and unit tests build them by hand or replay recordings.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/flow.h"

namespace fwpath::model {

using Clock = std::chrono::steady_clock;

// Netfilter hook, as the chain's definition names it.
enum class Hook { Ingress, Prerouting, Input, Forward, Output, Postrouting, Egress, Unknown };
std::string to_string(Hook h);
std::optional<Hook> hook_from_string(const std::string& s);

// What an nft trace event says happened at one step.
enum class TraceType { Rule, Return, Policy, Unknown };
enum class Verdict { Accept, Drop, Continue, Jump, Goto, Return, Break, Queue, Stolen, Repeat, Stop, Unknown };
std::string to_string(TraceType t);
std::string to_string(Verdict v);

// One NFT_MSG_TRACE message, decoded (sources/nft_trace_*).
struct NftTraceEvent {
  uint32_t netns = 0;     // inode of the namespace whose socket received it
  uint32_t trace_id = 0;  // NFTA_TRACE_ID: same id for one packet's passes in one hook
  std::string family;     // "ip", "ip6", "inet", "bridge", "netdev", "arp"
  std::string table;
  std::string chain;
  TraceType type = TraceType::Unknown;
  uint64_t rule_handle = 0;  // 0 when the event is not about a rule (policy, return)
  Verdict verdict = Verdict::Unknown;
  std::string jump_target;  // for Jump/Goto
  uint32_t nfproto = 0;     // NFTA_TRACE_NFPROTO: AF of the packet (2 or 10)
  uint32_t policy = 0;      // NFTA_TRACE_POLICY
  std::string iif;          // interface names, resolved in the event's namespace
  std::string oif;
  uint32_t mark = 0;
  std::vector<uint8_t> network_header;    // NFTA_TRACE_NETWORK_HEADER
  std::vector<uint8_t> transport_header;  // NFTA_TRACE_TRANSPORT_HEADER
  Clock::time_point received;
};

// A packet seen by a BPF program (sources/bpf_tracer).
enum class PacketEventKind { Drop, Transmit, Receive };
std::string to_string(PacketEventKind k);

struct PacketEvent {
  PacketEventKind kind = PacketEventKind::Drop;
  uint64_t ts_ns = 0;  // kernel monotonic time
  uint64_t skb = 0;
  uint32_t netns = 0;
  uint32_t ifindex = 0;
  std::string ifname;
  std::optional<uint32_t> reason_code;  // set when the kernel's kfree_skb has a reason
  std::string reason;                   // its name from BTF, e.g. "NETFILTER_DROP"
  uint64_t location = 0;
  std::string location_symbol;  // "nf_hook_slow+0x8e" from /proc/kallsyms
  uint32_t pkt_len = 0;
  std::vector<uint8_t> packet;  // from the network header, at most a snapshot
  // The probe (id) whose UDP marker the payload carries, when the kernel side matched
  // the packet by it rather than by a port: its ports may all have been rewritten.
  std::optional<uint32_t> marker_probe;
  Clock::time_point received;
};

// A conntrack entry of the probe's flow, as ctnetlink listed it after the probe.
struct ConntrackSighting {
  uint32_t netns = 0;
  Flow original;
  Flow reply;
  std::string status;  // "ASSURED,CONFIRMED,DST_NAT"
};

// A neighbour entry (ARP/ND) with no link-layer address yet, or none any more, as
// rtnetlink listed it after the probe: a packet routed to that next hop waits there.
struct NeighbourSighting {
  uint32_t netns = 0;
  IpAddr addr;
  std::string device;
  std::string state;  // "INCOMPLETE", "FAILED"
};

}  // namespace fwpath::model
