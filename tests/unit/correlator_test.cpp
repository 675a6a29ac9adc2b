// The correlator turns recorded event streams into a path. These streams are built the
// way the sources produce them (trace headers split into IP and transport parts, BPF
// snapshots from the network header on), for situations from shared/guides/scenarios.md.
#include "model/correlator.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

namespace fwpath::model {
namespace {

using namespace std::chrono_literals;

std::vector<uint8_t> ipv4(const std::string& src, const std::string& dst, uint8_t proto) {
  std::vector<uint8_t> h(20, 0);
  h[0] = 0x45;
  h[3] = 48;
  h[8] = 64;
  h[9] = proto;
  auto s = IpAddr::parse(src).value();
  auto d = IpAddr::parse(dst).value();
  std::copy_n(s.bytes.begin(), 4, h.begin() + 12);
  std::copy_n(d.bytes.begin(), 4, h.begin() + 16);
  return h;
}

std::vector<uint8_t> ports(uint16_t sport, uint16_t dport) {
  return {static_cast<uint8_t>(sport >> 8),
          static_cast<uint8_t>(sport & 0xff),
          static_cast<uint8_t>(dport >> 8),
          static_cast<uint8_t>(dport & 0xff),
          0,
          8,
          0,
          0};
}

// An ICMP error from `from` to `to`, its header `icmp` (type, code, checksum, rest), quoting
// the packet src:sport -> dst:dport of `proto`.
std::vector<uint8_t> icmp_error(const std::string& from, const std::string& to, std::vector<uint8_t> icmp,
                                const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport,
                                uint8_t proto) {
  std::vector<uint8_t> out = ipv4(from, to, 1);
  out.insert(out.end(), icmp.begin(), icmp.end());
  const auto quoted = ipv4(src, dst, proto);
  out.insert(out.end(), quoted.begin(), quoted.end());
  const auto p = ports(sport, dport);
  out.insert(out.end(), p.begin(), p.end());
  return out;
}

class FakeRules : public RuleBook {
 public:
  std::map<std::tuple<std::string, std::string, uint64_t>, std::string> rules;  // table, chain, handle
  std::map<std::pair<std::string, std::string>, ChainInfo> chains;

  RuleLookup rule(uint32_t, const std::string&, const std::string& table, const std::string& chain,
                  uint64_t handle) override {
    auto it = rules.find({table, chain, handle});
    if (it == rules.end()) {
      return {false, "", "handle " + std::to_string(handle) + " no longer exists in " + table + " " + chain};
    }
    return {true, it->second, ""};
  }
  std::optional<ChainInfo> chain(uint32_t, const std::string&, const std::string& table,
                                 const std::string& chain) override {
    auto it = chains.find({table, chain});
    if (it == chains.end()) return std::nullopt;
    return it->second;
  }
  void base(const std::string& table, const std::string& chain, Hook hook) {
    chains[{table, chain}] = ChainInfo{true, hook, "filter", "accept", 0};
  }
};

struct Stream {
  Clock::time_point t0 = Clock::now();
  int tick = 0;
  CorrelatorInput in;

  Clock::time_point next() { return t0 + std::chrono::milliseconds(++tick); }

  void trace(uint32_t ns, uint32_t id, const std::string& family, const std::string& table, const std::string& chain,
             TraceType type, uint64_t handle, Verdict v, const std::string& src, uint16_t sport, const std::string& dst,
             uint16_t dport, uint8_t proto = 17) {
    NftTraceEvent e;
    e.netns = ns;
    e.trace_id = id;
    e.family = family;
    e.table = table;
    e.chain = chain;
    e.type = type;
    e.rule_handle = handle;
    e.verdict = v;
    e.network_header = ipv4(src, dst, proto);
    e.transport_header = ports(sport, dport);
    e.received = next();
    in.traces.push_back(e);
  }

  // A later event of the same base chain: the kernel sends headers only with the first.
  void bare(uint32_t ns, uint32_t id, const std::string& table, const std::string& chain, TraceType type,
            uint64_t handle, Verdict v) {
    NftTraceEvent e;
    e.netns = ns;
    e.trace_id = id;
    e.family = "ip";
    e.table = table;
    e.chain = chain;
    e.type = type;
    e.rule_handle = handle;
    e.verdict = v;
    e.received = next();
    in.traces.push_back(e);
  }

  void packet(PacketEventKind kind, uint32_t ns, const std::string& dev, const std::string& src, uint16_t sport,
              const std::string& dst, uint16_t dport, const std::string& reason = "", uint8_t proto = 17) {
    PacketEvent e;
    e.kind = kind;
    e.netns = ns;
    e.ifname = dev;
    e.reason = reason;
    if (kind == PacketEventKind::Drop) e.location_symbol = "nf_hook_slow+0x9e";
    e.packet = ipv4(src, dst, proto);
    auto p = ports(sport, dport);
    e.packet.insert(e.packet.end(), p.begin(), p.end());
    e.received = next();
    in.packets.push_back(e);
  }

  void probe(L4 proto, const std::string& target, uint16_t tport, uint16_t sport, SocketOutcome outcome) {
    ProbeWindow w;
    w.spec.id = 1;
    w.spec.label = proto == L4::Udp ? "gateway" : "api-server";
    w.spec.proto = proto;
    w.spec.target = Endpoint{IpAddr::parse(target).value(), tport};
    w.spec.target_text = w.spec.target.str();
    w.spec.source_port = sport;
    w.socket.outcome = outcome;
    w.socket.local = Endpoint{IpAddr::parse("192.0.2.10").value(), sport};
    w.start = t0;
    w.end = t0 + 10s;
    in.probes.push_back(w);
    in.origin_netns = 1;
    in.netns_name = [](uint32_t ns) { return ns == 1 ? std::string("consumer") : "provider"; };
  }
};

// S5: the gateway's NodePort is DNATed in prerouting, then FORWARD's policy drops it.
TEST(Correlator, NodePortDnatThenForwardPolicyDrop) {
  Stream s;
  FakeRules rules;
  rules.base("kube-proxy", "nat-prerouting", Hook::Prerouting);
  rules.base("filter", "forward", Hook::Forward);
  rules.rules[{"kube-proxy", "nat-prerouting", 10}] = "meta l4proto udp dnat to 198.18.1.5:51840";
  s.probe(L4::Udp, "198.51.100.20", 30742, 40000, SocketOutcome::Timeout);
  s.trace(2, 7, "ip", "kube-proxy", "nat-prerouting", TraceType::Rule, 10, Verdict::Accept, "192.0.2.10", 40000,
          "198.51.100.20", 30742);
  s.trace(2, 7, "inet", "filter", "forward", TraceType::Policy, 0, Verdict::Drop, "192.0.2.10", 40000, "198.18.1.5",
          51840);
  s.packet(PacketEventKind::Drop, 2, "eth0", "192.0.2.10", 40000, "198.18.1.5", 51840, "NETFILTER_DROP");

  auto report = correlate(s.in, rules);
  ASSERT_EQ(report.targets.size(), 1U);
  const auto& t = report.targets[0];
  EXPECT_EQ(t.outcome, Outcome::Dropped);
  EXPECT_FALSE(t.passed);
  ASSERT_EQ(t.hops.size(), 2U);
  EXPECT_EQ(t.hops[0].hook, Hook::Prerouting);
  EXPECT_EQ(t.hops[1].hook, Hook::Forward);
  EXPECT_EQ(t.hops[1].verdict, "policy drop");
  ASSERT_EQ(t.rewrites.size(), 2U);
  EXPECT_EQ(t.rewrites[0].field, "daddr");
  EXPECT_EQ(t.rewrites[0].before, "198.51.100.20");
  EXPECT_EQ(t.rewrites[0].after, "198.18.1.5");
  EXPECT_EQ(t.rewrites[1].field, "dport");
  EXPECT_EQ(t.rewrites[1].after, "51840");
  EXPECT_EQ(t.rewrites[1].rule, "meta l4proto udp dnat to 198.18.1.5:51840");
  EXPECT_EQ(t.rewrites[1].hook, Hook::Prerouting);
  ASSERT_TRUE(t.drop.has_value());
  EXPECT_EQ(t.drop->reason, "NETFILTER_DROP");
  EXPECT_EQ(t.drop->hook, Hook::Forward);
  EXPECT_NE(t.summary.find("dropped at forward by the policy of inet filter forward"), std::string::npos) << t.summary;
}

// The tracer marks packets only where they enter a namespace: a DNAT to a local socket
// in a namespace with no chain after its nat chain leaves no event with the rewritten
// headers. Conntrack's entry shows the rewrite; the NAT rule the trace saw made it.
TEST(Correlator, DnatWithNoLaterChainIsTakenFromConntrack) {
  Stream s;
  FakeRules rules;
  rules.base("nat", "prerouting", Hook::Prerouting);
  rules.rules[{"nat", "prerouting", 4}] = "udp dport 30742 dnat to 198.51.100.20:51840";
  s.probe(L4::Udp, "198.51.100.20", 30742, 40000, SocketOutcome::Reply);
  s.trace(2, 7, "ip", "nat", "prerouting", TraceType::Rule, 4, Verdict::Accept, "192.0.2.10", 40000, "198.51.100.20",
          30742);
  auto flow = [](const char* src, const char* dst) {
    Flow f;
    f.proto = L4::Udp;
    f.src = parse_endpoint(src).value();
    f.dst = parse_endpoint(dst).value();
    return f;
  };
  s.in.probes[0].conntrack.push_back({2, flow("192.0.2.10:40000", "198.51.100.20:30742"),
                                      flow("198.51.100.20:51840", "192.0.2.10:40000"), "CONFIRMED,DST_NAT"});

  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  ASSERT_EQ(t.rewrites.size(), 1U);
  EXPECT_EQ(t.rewrites[0].field, "dport");
  EXPECT_EQ(t.rewrites[0].before, "30742");
  EXPECT_EQ(t.rewrites[0].after, "51840");
  EXPECT_EQ(t.rewrites[0].hook, Hook::Prerouting);
  EXPECT_EQ(t.rewrites[0].rule, "udp dport 30742 dnat to 198.51.100.20:51840");
  EXPECT_TRUE(t.rewrites[0].confirmed);
}

// A probe whose ports NAT changed beyond what the trace showed (random SNAT on a router
// with no nft chain after it): the kernel side knew it by its UDP marker.
TEST(Correlator, PacketKnownByItsMarkerIsThePath) {
  Stream s;
  FakeRules rules;
  s.probe(L4::Udp, "198.51.100.20", 30742, 40000, SocketOutcome::Timeout);
  s.packet(PacketEventKind::Transmit, 3, "r-p", "198.51.100.1", 61001, "198.18.1.5", 51840);
  s.packet(PacketEventKind::Transmit, 3, "r-p", "198.51.100.1", 61002, "198.18.1.6", 51841);
  s.in.packets[0].marker_probe = 1;  // this probe's marker
  s.in.packets[1].marker_probe = 2;  // another probe's
  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  ASSERT_EQ(t.wire.size(), 1U);
  EXPECT_EQ(t.wire[0].flow, "udp 198.51.100.1:61001 -> 198.18.1.5:51840");
  EXPECT_EQ(t.wire[0].direction, Direction::Request);
}

// S3: firewalld's final reject answers the SYN with ICMP admin-prohibited.
TEST(Correlator, RejectWithIcmpNamesTheRule) {
  Stream s;
  FakeRules rules;
  rules.base("firewalld", "filter_INPUT", Hook::Input);
  rules.rules[{"firewalld", "filter_INPUT", 42}] = "reject with icmpx admin-prohibited";
  s.probe(L4::Tcp, "198.51.100.20", 6443, 41000, SocketOutcome::IcmpError);
  s.in.probes[0].socket.icmp_type = 3;
  s.in.probes[0].socket.icmp_code = 13;
  s.in.probes[0].socket.peer = "198.51.100.20";
  s.trace(2, 9, "inet", "firewalld", "filter_INPUT", TraceType::Rule, 42, Verdict::Drop, "192.0.2.10", 41000,
          "198.51.100.20", 6443, 6);

  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  EXPECT_EQ(t.outcome, Outcome::Rejected);
  ASSERT_EQ(t.hops.size(), 1U);
  EXPECT_EQ(t.hops[0].verdict, "reject");
  EXPECT_NE(t.summary.find("`reject with icmpx admin-prohibited`"), std::string::npos) << t.summary;
  EXPECT_NE(t.summary.find("ICMP 3/13 admin-prohibited from 198.51.100.20"), std::string::npos) << t.summary;
}

// The ICMP error of a reject, seen by BPF on its way back: shown as the error, in the
// reply direction, not as the quoted request going backwards, and not as the probe
// leaving the node.
TEST(Correlator, IcmpErrorOnTheWireIsShownAsTheErrorGoingBack) {
  Stream s;
  FakeRules rules;
  s.probe(L4::Tcp, "198.51.100.20", 6443, 41000, SocketOutcome::IcmpError);
  PacketEvent e;
  e.kind = PacketEventKind::Receive;
  e.netns = 1;
  e.ifname = "eth0";
  // Destination unreachable, admin-prohibited.
  e.packet = icmp_error("198.51.100.20", "192.0.2.10", {3, 13, 0, 0, 0, 0, 0, 0}, "192.0.2.10", 41000, "198.51.100.20",
                        6443, 6);
  e.received = s.next();
  s.in.packets.push_back(e);

  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  ASSERT_EQ(t.wire.size(), 1U);
  EXPECT_EQ(t.wire[0].direction, Direction::Reply);
  EXPECT_EQ(t.wire[0].flow, "icmp 3/13 from 198.51.100.20 about tcp 192.0.2.10:41000 -> 198.51.100.20:6443");
  EXPECT_FALSE(t.left_node);
}

// S10: masquerade in postrouting only shows on the wire, after the last nft hook.
TEST(Correlator, MasqueradeSeenOnTheWire) {
  Stream s;
  FakeRules rules;
  rules.base("nat", "postrouting", Hook::Postrouting);
  rules.rules[{"nat", "postrouting", 5}] = "ip saddr 198.18.0.0/16 oifname \"eth0\" masquerade fully-random";
  s.probe(L4::Udp, "198.51.100.20", 30742, 40000, SocketOutcome::Timeout);
  s.in.probes[0].socket.local = Endpoint{IpAddr::parse("198.18.0.7").value(), 40000};
  s.trace(1, 3, "ip", "nat", "postrouting", TraceType::Rule, 5, Verdict::Accept, "198.18.0.7", 40000, "198.51.100.20",
          30742);
  s.packet(PacketEventKind::Transmit, 1, "eth0", "192.0.2.10", 61001, "198.51.100.20", 30742);

  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  EXPECT_EQ(t.outcome, Outcome::NoReply);
  EXPECT_TRUE(t.passed) << "UDP silence is not a failure when the datagram left the node";
  EXPECT_TRUE(t.left_node);
  ASSERT_EQ(t.rewrites.size(), 2U);
  EXPECT_EQ(t.rewrites[0].field, "saddr");
  EXPECT_EQ(t.rewrites[0].after, "192.0.2.10");
  EXPECT_EQ(t.rewrites[1].field, "sport");
  EXPECT_EQ(t.rewrites[1].after, "61001");
  EXPECT_EQ(t.rewrites[1].hook, Hook::Postrouting);
  EXPECT_NE(t.rewrites[1].rule.find("masquerade"), std::string::npos);
}

// S10: the consumer masquerades the probe to a random port, then the provider DNATs it.
// The provider's hooks are read (trace socket) before the consumer's device sighting (ring
// buffer); the rewrites are still listed in the order the packet met them.
TEST(Correlator, RewritesFollowThePathNotTheOrderTheSourcesWereRead) {
  Stream s;
  FakeRules rules;
  rules.base("nat", "postrouting", Hook::Postrouting);
  rules.rules[{"nat", "postrouting", 5}] = "ip saddr 198.18.0.0/16 oifname \"eth0\" masquerade fully-random";
  rules.base("nat", "prerouting", Hook::Prerouting);
  rules.rules[{"nat", "prerouting", 7}] = "udp dport 30742 dnat to 198.18.1.5:51840";
  rules.base("filter", "forward", Hook::Forward);
  s.probe(L4::Udp, "198.51.100.20", 30742, 40000, SocketOutcome::Timeout);
  s.in.probes[0].socket.local = Endpoint{IpAddr::parse("198.18.0.7").value(), 40000};
  s.trace(1, 3, "ip", "nat", "postrouting", TraceType::Rule, 5, Verdict::Accept, "198.18.0.7", 40000, "198.51.100.20",
          30742);
  s.trace(2, 9, "ip", "nat", "prerouting", TraceType::Rule, 7, Verdict::Accept, "192.0.2.10", 61001, "198.51.100.20",
          30742);
  s.trace(2, 9, "ip", "filter", "forward", TraceType::Policy, 0, Verdict::Accept, "192.0.2.10", 61001, "198.18.1.5",
          51840);
  s.packet(PacketEventKind::Transmit, 1, "eth0", "192.0.2.10", 61001, "198.51.100.20", 30742);
  s.packet(PacketEventKind::Receive, 2, "eth0", "192.0.2.10", 61001, "198.51.100.20", 30742);
  s.in.packets[0].marker_probe = 1;
  s.in.packets[1].marker_probe = 1;

  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  std::vector<std::string> seen;
  for (const auto& w : t.rewrites) seen.push_back(w.netns + " " + w.field + " " + w.before + " -> " + w.after);
  const std::vector<std::string> expected{"consumer saddr 198.18.0.7 -> 192.0.2.10", "consumer sport 40000 -> 61001",
                                          "provider daddr 198.51.100.20 -> 198.18.1.5",
                                          "provider dport 30742 -> 51840"};
  EXPECT_EQ(seen, expected);
}

TEST(Correlator, IgnoresEventsOutsideTheWindowAndOtherFlows) {
  Stream s;
  FakeRules rules;
  rules.base("filter", "input", Hook::Input);
  s.probe(L4::Tcp, "198.51.100.20", 6443, 41000, SocketOutcome::Connected);
  s.trace(2, 1, "inet", "filter", "input", TraceType::Policy, 0, Verdict::Drop, "192.0.2.10", 50000, "198.51.100.20",
          22, 6);
  s.trace(2, 2, "inet", "fwpath_1_1", "input", TraceType::Rule, 1, Verdict::Continue, "192.0.2.10", 41000,
          "198.51.100.20", 6443, 6);
  s.in.probes[0].end = s.t0 + 1ms;  // the events above arrive after the window closes
  s.trace(2, 3, "inet", "filter", "input", TraceType::Policy, 0, Verdict::Accept, "192.0.2.10", 41000, "198.51.100.20",
          6443, 6);

  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  EXPECT_TRUE(t.hops.empty());
  EXPECT_EQ(t.outcome, Outcome::Reached);
  EXPECT_TRUE(t.passed);
}

TEST(Correlator, ReplyDroppedOnTheWayBack) {
  Stream s;
  FakeRules rules;
  rules.base("filter", "input", Hook::Input);
  rules.base("filter", "output", Hook::Output);
  rules.rules[{"filter", "input", 3}] = "tcp sport 6443 drop";
  s.probe(L4::Tcp, "198.51.100.20", 6443, 41000, SocketOutcome::Timeout);
  s.trace(1, 5, "inet", "filter", "output", TraceType::Policy, 0, Verdict::Accept, "192.0.2.10", 41000, "198.51.100.20",
          6443, 6);
  s.trace(1, 6, "inet", "filter", "input", TraceType::Rule, 3, Verdict::Drop, "198.51.100.20", 6443, "192.0.2.10",
          41000, 6);

  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  EXPECT_EQ(t.outcome, Outcome::Dropped);
  ASSERT_EQ(t.hops.size(), 2U);
  EXPECT_EQ(t.hops[0].direction, Direction::Request);
  EXPECT_EQ(t.hops[1].direction, Direction::Reply);
  ASSERT_TRUE(t.drop.has_value());
  EXPECT_EQ(t.drop->direction, Direction::Reply);
  EXPECT_NE(t.summary.find("the reply was dropped at input by `tcp sport 6443 drop`"), std::string::npos) << t.summary;
}

// S18: a SYN the tracer's prerouting chain saw, then (when `input_accept`) nft's input
// chain accepted, then an iptables-legacy rule dropped (the drop site is nf_hook_slow, no
// nft verdict).
ProbeReport legacy_drop(bool input_accept, const std::vector<XtMove>& legacy_moved = {}) {
  Stream s;
  FakeRules rules;
  rules.base("filter", "input", Hook::Input);
  rules.rules[{"filter", "input", 6}] = "tcp dport 6443 accept comment \"kube-apiserver\"";
  s.probe(L4::Tcp, "198.51.100.20", 6443, 41000, SocketOutcome::Timeout);
  s.trace(2, 5, "inet", "fwpath_1_0", "prerouting", TraceType::Rule, 2, Verdict::Continue, "192.0.2.10", 41000,
          "198.51.100.20", 6443, 6);
  if (input_accept) {
    s.trace(2, 5, "inet", "filter", "input", TraceType::Rule, 6, Verdict::Accept, "192.0.2.10", 41000, "198.51.100.20",
            6443, 6);
  }
  s.packet(PacketEventKind::Drop, 2, "eth0", "192.0.2.10", 41000, "198.51.100.20", 6443, "NETFILTER_DROP", 6);
  if (!legacy_moved.empty()) s.in.probes.back().legacy.push_back({2, legacy_moved});
  return correlate(s.in, rules).targets.at(0);
}

const XtMove kLegacyInputDrop{"filter", "INPUT", true, 1, "-A INPUT -p tcp -m tcp --dport 6443 -j DROP", "DROP", 1};

// The legacy rule's counter went up while the probe was out: the drop names it and its
// chain's hook, found by counter.
TEST(Correlator, LegacyDropIsAttributedToTheRuleWhoseCounterWentUp) {
  const XtMove accept{"filter", "INPUT", true, 2, "-A INPUT -j ACCEPT", "ACCEPT", 3};
  const auto t = legacy_drop(false, {kLegacyInputDrop, accept});
  ASSERT_TRUE(t.drop.has_value());
  ASSERT_EQ(t.drop->legacy_rules.size(), 1U);
  EXPECT_EQ(t.drop->legacy_rules[0].position, 1U);
  EXPECT_EQ(t.drop->rule, "iptables-legacy filter: -A INPUT -p tcp -m tcp --dport 6443 -j DROP");
  EXPECT_EQ(t.drop->hook, Hook::Input);
  EXPECT_FALSE(t.drop->hook_inferred);
  EXPECT_NE(t.drop->note.find("found by its packet counter"), std::string::npos) << t.drop->note;
  EXPECT_NE(t.summary.find("dropped at input by iptables-legacy filter: -A INPUT -p tcp -m tcp --dport 6443 -j DROP "
                           "in netns provider"),
            std::string::npos)
      << t.summary;
}

// Two dropping rules counted: both are listed, neither is named, the hook stays inferred.
TEST(Correlator, LegacyDropWithTwoMovedCandidatesNamesNone) {
  const XtMove other{"filter", "INPUT", true, 3, "-A INPUT -p udp -j DROP", "DROP", 7};
  const auto t = legacy_drop(true, {kLegacyInputDrop, other});
  ASSERT_TRUE(t.drop.has_value());
  EXPECT_EQ(t.drop->legacy_rules.size(), 2U);
  EXPECT_TRUE(t.drop->rule.empty());
  EXPECT_EQ(t.drop->hook, Hook::Input);
  EXPECT_TRUE(t.drop->hook_inferred);
  EXPECT_NE(t.drop->note.find("none is named"), std::string::npos) << t.drop->note;
}

// A FORWARD drop that counted cannot be the SYN's, which nft saw at input: other traffic.
TEST(Correlator, LegacyCandidateAtAHookThePacketMissedIsRuledOut) {
  const XtMove forward{"filter", "FORWARD", true, 1, "-A FORWARD -j DROP", "DROP", 4};
  const auto t = legacy_drop(true, {forward});
  ASSERT_TRUE(t.drop.has_value());
  EXPECT_TRUE(t.drop->legacy_rules.empty());
  EXPECT_TRUE(t.drop->rule.empty());
  EXPECT_NE(t.drop->note.find("likely cause"), std::string::npos) << t.drop->note;
}

// Input is the last hook of a packet for a local socket: the drop was there, and the
// report says it inferred that.
TEST(Correlator, LegacyDropAfterAnInputAcceptIsInferredAtInput) {
  const auto t = legacy_drop(true);
  ASSERT_TRUE(t.drop.has_value());
  EXPECT_EQ(t.drop->hook, Hook::Input);
  EXPECT_TRUE(t.drop->hook_inferred);
  EXPECT_NE(t.drop->hook_evidence.find("nft last saw the packet at input"), std::string::npos) << t.drop->hook_evidence;
  EXPECT_NE(t.drop->note.find("iptables-legacy"), std::string::npos);
  EXPECT_NE(t.summary.find("dropped at input (inferred) in netns provider"), std::string::npos) << t.summary;
}

// Seen by the tracer's prerouting chain only: it can have died at prerouting or any later
// hook, so the hook stays unknown and the report lists what remains possible.
TEST(Correlator, LegacyDropAfterPreroutingOnlyBoundsTheHook) {
  const auto t = legacy_drop(false);
  ASSERT_TRUE(t.drop.has_value());
  EXPECT_EQ(t.drop->hook, Hook::Unknown);
  EXPECT_FALSE(t.drop->hook_inferred);
  EXPECT_EQ(t.drop->hook_evidence,
            "nft last saw the packet at prerouting in this namespace: the drop was at prerouting (after nft's chains "
            "there) or at input, forward or postrouting");
  EXPECT_EQ(t.summary.find("inferred"), std::string::npos) << t.summary;
}

// A drop that is no netfilter drop (the neighbour never answered) is not given a hook.
TEST(Correlator, NonNetfilterDropGetsNoInferredHook) {
  Stream s;
  FakeRules rules;
  rules.base("filter", "forward", Hook::Forward);
  s.probe(L4::Udp, "198.51.100.20", 51840, 40000, SocketOutcome::Timeout);
  s.trace(2, 5, "inet", "filter", "forward", TraceType::Policy, 0, Verdict::Accept, "192.0.2.10", 40000,
          "198.51.100.20", 51840);
  s.packet(PacketEventKind::Drop, 2, "cni0", "192.0.2.10", 40000, "198.51.100.20", 51840, "NEIGH_FAILED");
  s.in.packets.back().location_symbol = "neigh_invalidate+0x8b";
  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  ASSERT_TRUE(t.drop.has_value());
  EXPECT_EQ(t.drop->hook, Hook::Unknown);
  EXPECT_TRUE(t.drop->hook_evidence.empty());
  EXPECT_TRUE(t.drop->note.empty());
}

// S15: the router drops the DF datagram (PKT_TOO_BIG) and sends ICMP 3/4; the consumer's
// input policy drops the error. nft traces the error with too little of its quote to say
// whose it is; BPF saw it whole on the consumer's eth0: the policy drop is the reply's hop.
TEST(Correlator, AnIcmpErrorTheTraceCutShortIsTiedToTheProbeByItsWholeTwin) {
  Stream s;
  FakeRules rules;
  rules.base("filter", "input", Hook::Input);
  s.probe(L4::Udp, "198.51.100.20", 30742, 40000, SocketOutcome::Timeout);
  s.packet(PacketEventKind::Drop, 3, "eth-c", "192.0.2.10", 40000, "198.51.100.20", 30742, "PKT_TOO_BIG");
  // Fragmentation needed, mtu 1400.
  const auto icmp = icmp_error("192.0.2.1", "192.0.2.10", {3, 4, 0xab, 0xcd, 0, 0, 0x05, 0x78}, "192.0.2.10", 40000,
                               "198.51.100.20", 30742, 17);
  PacketEvent whole;
  whole.kind = PacketEventKind::Receive;
  whole.netns = 1;
  whole.ifname = "eth0";
  whole.packet = icmp;
  whole.received = s.next();
  s.in.packets.push_back(whole);
  NftTraceEvent cut;
  cut.netns = 1;
  cut.trace_id = 77;
  cut.family = "inet";
  cut.table = "filter";
  cut.chain = "input";
  cut.type = TraceType::Policy;
  cut.verdict = Verdict::Drop;
  cut.network_header.assign(icmp.begin(), icmp.begin() + 20);
  cut.transport_header.assign(icmp.begin() + 20, icmp.begin() + 40);
  cut.received = s.next();
  s.in.traces.push_back(cut);

  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  ASSERT_EQ(t.hops.size(), 1U);
  EXPECT_EQ(t.hops[0].direction, Direction::Reply);
  EXPECT_EQ(t.hops[0].netns, "consumer");
  EXPECT_EQ(t.hops[0].hook, Hook::Input);
  EXPECT_EQ(t.hops[0].verdict, "policy drop");
  // The report's drop is still the router's, and its summary does not borrow the
  // consumer's policy drop.
  ASSERT_TRUE(t.drop.has_value());
  EXPECT_EQ(t.drop->reason, "PKT_TOO_BIG");
  EXPECT_EQ(t.summary.find("policy"), std::string::npos) << t.summary;

  // Without the whole twin the error is nobody's.
  s.in.packets.pop_back();
  s.in.packets.pop_back();
  EXPECT_TRUE(correlate(s.in, rules).targets.at(0).hops.empty());
}

TEST(Correlator, VanishedRuleIsReportedAsSuchNotAsAnotherRule) {
  Stream s;
  FakeRules rules;
  rules.base("filter", "input", Hook::Input);
  s.probe(L4::Tcp, "198.51.100.20", 6443, 41000, SocketOutcome::Timeout);
  s.trace(2, 5, "inet", "filter", "input", TraceType::Rule, 77, Verdict::Drop, "192.0.2.10", 41000, "198.51.100.20",
          6443, 6);
  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  ASSERT_EQ(t.hops.size(), 1U);
  EXPECT_EQ(t.hops[0].rule, "(handle 77 no longer exists in filter input)");
}

TEST(Correlator, LostEventsMakeACleanLookingPathIncomplete) {
  Stream s;
  FakeRules rules;
  s.probe(L4::Udp, "198.51.100.20", 51840, 40000, SocketOutcome::Timeout);
  s.packet(PacketEventKind::Transmit, 1, "eth0", "192.0.2.10", 40000, "198.51.100.20", 51840);
  s.in.losses.trace_overruns = 3;  // counted, but not placed in time: every probe is affected
  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  EXPECT_TRUE(t.incomplete);
  EXPECT_FALSE(t.passed) << "a path we did not fully see must never be reported as clean";
  EXPECT_EQ(report.lost_events, 3U);
  EXPECT_EQ(report.lost.trace_overruns, 3U);
  ASSERT_EQ(t.incomplete_because.size(), 1U);
  EXPECT_NE(t.incomplete_because[0].find("3 trace socket overrun"), std::string::npos);
}

// The flood of bench/event_rate, as the trace sees it through a NodePort DNAT: another
// source port (40999) to the probed port, DNATed like the probe, and a trace id that the
// flood's packet used first and the probe's packet reuses at the same hook.
struct FloodThroughDnat {
  Stream s;
  FakeRules rules;
  FloodThroughDnat() {
    rules.base("kube-proxy", "nat-prerouting", Hook::Prerouting);
    rules.base("filter", "forward", Hook::Forward);
    rules.rules[{"kube-proxy", "nat-prerouting", 10}] = "meta l4proto udp dnat to 198.18.1.5:51840";
    s.probe(L4::Udp, "198.51.100.20", 30742, 40000, SocketOutcome::Timeout);
  }
  void flood_packet(uint32_t id) {
    s.trace(2, id, "ip", "fwpath_1_2", "prerouting", TraceType::Rule, 1, Verdict::Continue, "192.0.2.10", 40999,
            "198.51.100.20", 30742);
    s.trace(2, id, "ip", "kube-proxy", "nat-prerouting", TraceType::Rule, 10, Verdict::Accept, "192.0.2.10", 40999,
            "198.51.100.20", 30742);
    s.trace(2, id, "ip", "fwpath_1_2", "forward", TraceType::Rule, 1, Verdict::Continue, "192.0.2.10", 40999,
            "198.18.1.5", 51840);
    s.trace(2, id, "inet", "filter", "forward", TraceType::Policy, 0, Verdict::Accept, "192.0.2.10", 40999,
            "198.18.1.5", 51840);
  }
  void probe_packet(uint32_t id) {
    s.trace(2, id, "ip", "fwpath_1_2", "prerouting", TraceType::Rule, 1, Verdict::Continue, "192.0.2.10", 40000,
            "198.51.100.20", 30742);
    s.trace(2, id, "ip", "kube-proxy", "nat-prerouting", TraceType::Rule, 10, Verdict::Accept, "192.0.2.10", 40000,
            "198.51.100.20", 30742);
    s.trace(2, id, "ip", "fwpath_1_2", "forward", TraceType::Rule, 1, Verdict::Continue, "192.0.2.10", 40000,
            "198.18.1.5", 51840);
    s.trace(2, id, "inet", "filter", "forward", TraceType::Policy, 0, Verdict::Accept, "192.0.2.10", 40000,
            "198.18.1.5", 51840);
  }
};

TEST(CorrelatorFlood, ReusedTraceIdIsNotTakenForARewriteOfTheProbe) {
  FloodThroughDnat f;
  f.flood_packet(7);
  f.probe_packet(7);  // the same skb address, so the same trace id
  f.flood_packet(8);
  f.s.packet(PacketEventKind::Transmit, 2, "eth1", "192.0.2.10", 40999, "198.18.1.5", 51840);
  f.s.packet(PacketEventKind::Transmit, 2, "eth1", "192.0.2.10", 40000, "198.18.1.5", 51840);

  auto report = correlate(f.s.in, f.rules);
  const auto& t = report.targets.at(0);
  ASSERT_EQ(t.rewrites.size(), 2U) << "only the DNAT: no sport 40999 -> 40000";
  EXPECT_EQ(t.rewrites[0].field, "daddr");
  EXPECT_EQ(t.rewrites[1].field, "dport");
  EXPECT_EQ(t.rewrites[1].before, "30742");
  EXPECT_EQ(t.rewrites[1].after, "51840");
  EXPECT_EQ(t.rewrites[1].rule, "meta l4proto udp dnat to 198.18.1.5:51840");
  ASSERT_EQ(t.hops.size(), 2U);
  for (const auto& h : t.hops) EXPECT_NE(h.flow.find("40000"), std::string::npos) << h.flow;
  ASSERT_EQ(t.wire.size(), 1U);
  EXPECT_EQ(t.wire[0].flow, "udp 192.0.2.10:40000 -> 198.18.1.5:51840");
}

// Without the tracer's chains (they are the clearest sign of a new packet), a different
// tuple at the first hook under the same trace id is still another packet.
TEST(CorrelatorFlood, DifferentTupleAtTheFirstHookIsAnotherPacket) {
  FloodThroughDnat f;
  f.s.trace(2, 7, "ip", "kube-proxy", "nat-prerouting", TraceType::Rule, 10, Verdict::Accept, "192.0.2.10", 40999,
            "198.51.100.20", 30742);
  f.s.trace(2, 7, "ip", "kube-proxy", "nat-prerouting", TraceType::Rule, 10, Verdict::Accept, "192.0.2.10", 40000,
            "198.51.100.20", 30742);
  f.s.trace(2, 7, "inet", "filter", "forward", TraceType::Policy, 0, Verdict::Accept, "192.0.2.10", 40000, "198.18.1.5",
            51840);
  auto report = correlate(f.s.in, f.rules);
  const auto& t = report.targets.at(0);
  ASSERT_EQ(t.hops.size(), 2U);
  EXPECT_EQ(t.hops[0].flow, "udp 192.0.2.10:40000 -> 198.51.100.20:30742");
  for (const auto& w : t.rewrites) EXPECT_NE(w.field, "sport") << w.before << " -> " << w.after;
  EXPECT_EQ(t.rewrites.size(), 2U);
}

// The flood's packets that die, its replies and its conntrack entries are not the probe's.
TEST(CorrelatorFlood, ForeignFlowsDropsRepliesAndConntrackAreNotTheProbes) {
  FloodThroughDnat f;
  f.probe_packet(7);
  f.s.packet(PacketEventKind::Drop, 2, "eth0", "192.0.2.10", 40999, "198.18.1.5", 51840, "NETFILTER_DROP");
  f.s.trace(2, 9, "ip", "fwpath_1_2", "prerouting", TraceType::Rule, 1, Verdict::Continue, "198.18.1.5", 51840,
            "192.0.2.10", 40999);
  f.s.packet(PacketEventKind::Transmit, 1, "eth0", "192.0.2.10", 40000, "198.51.100.20", 30742);
  const auto a = [](const char* t) { return IpAddr::parse(t).value(); };
  f.s.in.probes[0].conntrack.push_back({2, Flow{L4::Udp, {a("192.0.2.10"), 40999}, {a("198.51.100.20"), 30742}},
                                        Flow{L4::Udp, {a("198.18.1.5"), 51840}, {a("192.0.2.10"), 40999}}, "DST_NAT"});
  f.s.in.probes[0].conntrack.push_back({2, Flow{L4::Udp, {a("192.0.2.10"), 40000}, {a("198.51.100.20"), 30742}},
                                        Flow{L4::Udp, {a("198.18.1.5"), 51840}, {a("192.0.2.10"), 40000}}, "DST_NAT"});

  auto report = correlate(f.s.in, f.rules);
  const auto& t = report.targets.at(0);
  EXPECT_FALSE(t.drop.has_value()) << "the flood's drop is not the probe's";
  EXPECT_NE(t.outcome, Outcome::Dropped);
  for (const auto& h : t.hops) EXPECT_EQ(h.direction, Direction::Request);
  ASSERT_EQ(t.conntrack.size(), 1U);
  EXPECT_EQ(t.conntrack[0].original, "udp 192.0.2.10:40000 -> 198.51.100.20:30742");
  for (const auto& w : t.rewrites) EXPECT_TRUE(w.confirmed) << w.field;
}

// The probe's reply comes back by the reverse of the DNATed tuple, its source restored
// on the way out of the provider; the flood's replies do the same for their own tuples.
TEST(CorrelatorFlood, ReplyIsFollowedByTheReverseTuples) {
  FloodThroughDnat f;
  f.rules.base("filter", "input", Hook::Input);
  f.probe_packet(7);
  auto reply = [&](uint32_t id, uint16_t client_port) {
    // In the provider the reply reuses the request's trace id: a new packet all the same.
    f.s.trace(2, id, "ip", "fwpath_1_2", "prerouting", TraceType::Rule, 1, Verdict::Continue, "198.18.1.5", 51840,
              "192.0.2.10", client_port);
    f.s.trace(2, id, "inet", "filter", "forward", TraceType::Policy, 0, Verdict::Accept, "198.18.1.5", 51840,
              "192.0.2.10", client_port);
    f.s.trace(1, id + 100, "inet", "filter", "input", TraceType::Policy, 0, Verdict::Accept, "198.51.100.20", 30742,
              "192.0.2.10", client_port);
  };
  reply(7, 40999);
  reply(7, 40000);
  auto report = correlate(f.s.in, f.rules);
  const auto& t = report.targets.at(0);
  std::vector<std::string> flows;
  for (const auto& h : t.hops) {
    if (h.direction == Direction::Reply) flows.push_back(h.netns + " " + h.flow);
  }
  EXPECT_EQ(flows, (std::vector<std::string>{"provider udp 198.18.1.5:51840 -> 192.0.2.10:40000",
                                             "consumer udp 198.51.100.20:30742 -> 192.0.2.10:40000"}));
  ASSERT_EQ(t.rewrites.size(), 2U) << "the reply's source is restored after the last hook: no rewrite seen";
}

TEST(CorrelatorLoss, OnlyProbesWhoseWindowOverlapsAnOverrunAreIncomplete) {
  Stream s;
  FakeRules rules;
  s.probe(L4::Udp, "198.51.100.20", 51840, 40000, SocketOutcome::Timeout);
  s.probe(L4::Udp, "198.51.100.20", 51840, 40001, SocketOutcome::Timeout);
  s.in.probes[0].end = s.t0 + 100ms;
  s.in.probes[1].spec.id = 2;
  s.in.probes[1].start = s.t0 + 200ms;
  s.in.probes[1].end = s.t0 + 300ms;
  s.packet(PacketEventKind::Transmit, 1, "eth0", "192.0.2.10", 40000, "198.51.100.20", 51840);
  s.in.probes[1].socket.local.port = 40001;
  PacketEvent second = s.in.packets.back();
  second.packet[21] = 0x41;  // sport 40001
  second.received = s.t0 + 250ms;
  s.in.packets.push_back(second);
  LossCounts c;
  c.trace_overruns = 1;
  // Read at 150 ms after a read at 120 ms: between the two windows.
  s.in.loss_marks.push_back({s.t0 + 120ms, s.t0 + 150ms, c});
  c = {};
  c.bpf_events = 4;
  s.in.loss_marks.push_back({s.t0 + 280ms, s.t0 + 290ms, c});
  s.in.losses.trace_overruns = 1;
  s.in.losses.bpf_events = 4;

  auto report = correlate(s.in, rules);
  ASSERT_EQ(report.targets.size(), 2U);
  EXPECT_FALSE(report.targets[0].incomplete);
  EXPECT_TRUE(report.targets[0].passed) << report.targets[0].summary;
  EXPECT_TRUE(report.targets[1].incomplete);
  EXPECT_FALSE(report.targets[1].passed);
  ASSERT_EQ(report.targets[1].incomplete_because.size(), 1U);
  EXPECT_NE(report.targets[1].incomplete_because[0].find("4 BPF event"), std::string::npos);
  EXPECT_EQ(report.lost_events, 5U);
}

TEST(CorrelatorLoss, AnOverrunStraddlingTheWindowStartCounts) {
  Stream s;
  FakeRules rules;
  s.probe(L4::Udp, "198.51.100.20", 51840, 40000, SocketOutcome::Timeout);
  s.in.probes[0].start = s.t0 + 100ms;
  s.packet(PacketEventKind::Transmit, 1, "eth0", "192.0.2.10", 40000, "198.51.100.20", 51840);
  s.in.packets.back().received = s.t0 + 150ms;
  LossCounts c;
  c.trace_overruns = 2;
  s.in.loss_marks.push_back({s.t0 + 50ms, s.t0 + 110ms, c});  // lost some time in 50..110 ms
  s.in.losses = c;
  auto report = correlate(s.in, rules);
  EXPECT_TRUE(report.targets.at(0).incomplete);
  EXPECT_NE(report.targets.at(0).summary.find("[incomplete: 2 trace socket overrun"), std::string::npos)
      << report.targets.at(0).summary;
}

TEST(CorrelatorLoss, ACappedProbeIsIncomplete) {
  Stream s;
  FakeRules rules;
  s.probe(L4::Udp, "198.51.100.20", 51840, 40000, SocketOutcome::Timeout);
  s.packet(PacketEventKind::Transmit, 1, "eth0", "192.0.2.10", 40000, "198.51.100.20", 51840);
  s.in.capped_probes.insert(1);
  auto report = correlate(s.in, rules);
  EXPECT_TRUE(report.targets.at(0).incomplete);
  EXPECT_FALSE(report.targets.at(0).passed);
}

}  // namespace
}  // namespace fwpath::model
