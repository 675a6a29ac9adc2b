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
  e.packet = ipv4("198.51.100.20", "192.0.2.10", 1);
  e.packet.insert(e.packet.end(), {3, 13, 0, 0, 0, 0, 0, 0});  // dest unreachable, admin-prohibited
  auto quoted = ipv4("192.0.2.10", "198.51.100.20", 6);
  e.packet.insert(e.packet.end(), quoted.begin(), quoted.end());
  auto p = ports(41000, 6443);
  e.packet.insert(e.packet.end(), p.begin(), p.end());
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
  s.in.lost_trace_events = 3;
  auto report = correlate(s.in, rules);
  const auto& t = report.targets.at(0);
  EXPECT_TRUE(t.incomplete);
  EXPECT_FALSE(t.passed) << "a path we did not fully see must never be reported as clean";
  EXPECT_EQ(report.lost_events, 3U);
}

}  // namespace
}  // namespace fwpath::model
