#pragma once
// The report of one probe: the path its packets lived, in order. Produced by the
// correlator from events; rendered by output/. No kernel types.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/event_gate.h"
#include "model/events.h"
#include "model/probe_spec.h"

namespace fwpath::model {

enum class Direction { Request, Reply };
std::string to_string(Direction d);

// One step in nftables: a rule that matched, a chain's policy, or a chain's end.
struct Hop {
  Direction direction = Direction::Request;
  std::string netns;
  Hook hook = Hook::Unknown;
  std::string family;
  std::string table;
  std::string chain;
  uint64_t handle = 0;  // 0 for a policy or implicit return
  std::string rule;     // rule text as `nft` prints it; empty for policy/return
  std::string verdict;  // "accept", "drop", "reject", "jump X", "goto X", "return", "continue", "policy drop"
  std::string iif;
  std::string oif;
  std::string flow;  // headers at this step, e.g. "udp 192.0.2.10:40000 -> 198.18.1.5:51840"
};

// A header field that changed on the way, and who changed it.
struct Rewrite {
  Direction direction = Direction::Request;
  std::string netns;
  std::string field;  // "saddr", "daddr", "sport", "dport"
  std::string before;
  std::string after;
  Hook hook = Hook::Unknown;
  std::string rule;        // the NAT rule's text, or a description ("conntrack NAT of an established flow")
  bool confirmed = false;  // conntrack's tuples in that namespace show the same rewrite
  // When the tracer saw the rewritten headers, so that the report lists rewrites in the
  // order the packet met them; max() for one known only from conntrack. Not reported.
  Clock::time_point seen = Clock::time_point::max();
};

// A conntrack entry of the probe, for the report.
struct ConntrackView {
  std::string netns;
  std::string original;
  std::string reply;
  std::string status;
};

// An iptables-legacy (x_tables) rule, or a built-in chain's DROP policy, whose packet
// counter went up while the probe was out (model/legacy_attribution.h).
struct LegacyRule {
  std::string table;          // "filter"
  std::string chain;          // "INPUT", or a user-defined chain
  unsigned position = 0;      // 1-based within the chain; 0 for the chain's policy
  std::string rule;           // as iptables-save prints it, "-A INPUT ... -j DROP", or "policy DROP"
  Hook hook = Hook::Unknown;  // its built-in chain's (for a user chain: of the moved jump to it)
  uint64_t packets = 0;       // by how much its counter went up during the probe's window
};

struct DropInfo {
  Direction direction = Direction::Request;
  std::string netns;
  std::string reason;    // kernel drop reason name; empty where the kernel has none (before 5.17)
  std::string location;  // symbolized kfree_skb caller
  std::string device;
  Hook hook = Hook::Unknown;  // from the nft verdict that dropped it, or inferred (below)
  // A netfilter drop no nft verdict made: the hooks nft saw the packet at in that
  // namespace bound where it happened (model/drop_hook.h). When they leave one hook,
  // `hook` is that one and `hook_inferred` is set; `hook_evidence` says why, or which
  // hooks remain possible when they leave several.
  bool hook_inferred = false;
  std::string hook_evidence;
  std::string rule;  // the rule (or "policy drop of CHAIN") that dropped it
  std::string note;  // e.g. iptables-legacy inference
  // A netfilter drop no nft verdict made, in a namespace with iptables-legacy tables: the
  // legacy rules that drop and counted packets during the probe. With one, `rule` and
  // `hook` are its; with several, none is named (other traffic moves counters too).
  std::vector<LegacyRule> legacy_rules;
};

// A probe's packet that a namespace routed out (nft saw it at forward, postrouting or
// output there) but no device was seen transmitting, and that was not seen dying either:
// it was still held there when the probe's window closed (model/held_packet.h).
struct HeldPacket {
  Direction direction = Direction::Request;
  std::string netns;
  Hook hook = Hook::Unknown;  // the last hook nft saw it at there
  std::string device;         // the interface nft said it was routed to; may be empty
  std::string flow;           // its headers there
  // The next hop's neighbour entry it waits in, when one is known.
  struct Neighbour {
    std::string protocol;  // "ARP" or "ND"
    std::string address;
    std::string device;
    std::string state;  // "INCOMPLETE", "FAILED"
    // The entry is the packet's destination (a directly connected next hop). Otherwise it
    // is the only unresolved entry on the device: most likely the gateway of its route.
    bool is_destination = false;
  };
  std::optional<Neighbour> neighbour;
};

// What the probe socket saw.
enum class SocketOutcome { Connected, Reset, IcmpError, Reply, Timeout, Error };
std::string to_string(SocketOutcome o);

struct SocketResult {
  SocketOutcome outcome = SocketOutcome::Timeout;
  Endpoint local;    // the probe's source as the kernel chose it
  std::string peer;  // who answered (target, or the ICMP error's sender)
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  int err = 0;  // errno seen by connect()/recv, 0 if none
  double elapsed_ms = 0;
  std::string detail;
};

// A sighting of the probe's packet at a device (BPF), kept for the report and pcap.
struct WireSighting {
  Direction direction = Direction::Request;
  std::string netns;
  PacketEventKind kind = PacketEventKind::Transmit;
  std::string device;
  std::string flow;
};

enum class Outcome { Reached, Dropped, Rejected, NoReply, Error };
std::string to_string(Outcome o);

struct ProbeReport {
  ProbeSpec spec;
  SocketResult socket;
  Outcome outcome = Outcome::NoReply;
  std::string summary;                          // the one line per target
  bool passed = false;                          // false => the command exits 1
  bool left_node = false;                       // seen leaving the first namespace
  bool incomplete = false;                      // events were lost (or not kept) while this probe ran: never clean
  std::vector<std::string> incomplete_because;  // one phrase per cause, e.g. "2 trace socket overruns"
  std::vector<Hop> hops;
  std::vector<Rewrite> rewrites;
  std::optional<DropInfo> drop;
  std::optional<HeldPacket> held;
  std::vector<WireSighting> wire;
  std::vector<ConntrackView> conntrack;
  std::vector<std::string> notes;
};

struct Report {
  std::vector<ProbeReport> targets;
  // What was lost, by what is counted (see docs/probe.md, "Lost and ignored events").
  LossCounts lost;
  uint64_t lost_events = 0;             // lost.total(): a lower bound, an overrun hides an unknown number
  uint64_t ignored_foreign_events = 0;  // read but not of any probe's flow: not kept
  uint64_t over_cap_events = 0;         // of a probe past its cap of stored events: not kept
  std::vector<std::string> notes;       // environment notes (degraded features)
};

}  // namespace fwpath::model
