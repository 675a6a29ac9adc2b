// `fwpath probe` end to end: the real binary, run as a user would, against the
// consumer -> router -> provider lab. Every test checks what fwpath reports against
// evidence it did not produce: the handle and counter `nft -a list` shows for the rule,
// conntrack's tuples for NAT, the socket-visible outcome.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/lab_fixture.h"
#include "util/tracefs.h"

namespace fwpath::testlab {
namespace {

using nlohmann::json;
using L = ThreeNsLab;

struct ProbeRun {  // NOLINT(bugprone-exception-escape): json may throw on allocation only
  int exit_code = -1;
  json report;
  std::string err;
  double seconds = 0;
};

class ProbeCommand : public WithLab<> {
 protected:
  // Runs fwpath probe from the consumer, tracing all three namespaces.
  ProbeRun probe(std::vector<std::string> targets, const std::string& timeout = "2") {
    std::vector<std::string> argv = lab_->probe_argv(timeout);
    argv.insert(argv.end(), targets.begin(), targets.end());
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run_command(argv);
    ProbeRun out;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r) return out;
    out.exit_code = r->exit_code;
    out.err = r->err;
    out.report = json::parse(r->out, nullptr, false);
    EXPECT_FALSE(out.report.is_discarded()) << "not JSON: " << r->out << "\nstderr: " << r->err;
    return out;
  }

  // The handle `nft -a` gives the rule containing `needle` in table/chain, and its packet
  // counter: independent evidence for what fwpath attributes.
  struct RuleEvidence {
    uint64_t handle = 0;
    uint64_t packets = 0;
  };
  static RuleEvidence rule_evidence(const TestNetns& ns, const std::string& family, const std::string& table,
                                    const std::string& chain, const std::string& needle) {
    auto r = ns.run({"nft", "-a", "list", "chain", family, table, chain});
    EXPECT_TRUE(r.ok() && r->ok()) << (r ? r->describe() : r.error().message());
    RuleEvidence ev;
    if (!r) return ev;
    std::istringstream in(r->out);
    std::string line;
    static const std::regex handle(R"(# handle (\d+))");
    static const std::regex packets(R"(counter packets (\d+))");
    while (std::getline(in, line)) {
      if (line.find(needle) == std::string::npos) continue;
      std::smatch m;
      if (std::regex_search(line, m, handle)) ev.handle = std::stoull(m[1]);
      if (std::regex_search(line, m, packets)) ev.packets = std::stoull(m[1]);
    }
    return ev;
  }

  static const json* find_hop(const json& hops, const TestNetns& ns, const std::string& chain,
                              const std::string& verdict) {
    for (const auto& h : hops) {
      if (h["netns"] == ns.name() && h["chain"] == chain && h["verdict"] == verdict) return &h;
    }
    return nullptr;
  }

  static bool kernel_has_drop_reasons() {
    // Independent of fwpath: the tracepoint's own format, from tracefs.
    auto r = run_command(
        {"sh", "-c", "grep -q 'field:enum skb_drop_reason reason' /sys/kernel/tracing/events/skb/kfree_skb/format"});
    return r && r->ok();
  }
};

constexpr const char* kProvider = "198.51.100.20";

TEST_F(ProbeCommand, DropByRuleNamesTheRuleAndTheKernelReason) {
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet filter { chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp dport 6443 counter drop comment \"block apiserver\"\n}\n}\n")
                  .ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"}, "10");
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "dropped") << t.dump(2);
  const json* hop = find_hop(t["hops"], lab_->provider, "input", "drop");
  ASSERT_NE(hop, nullptr) << t["hops"].dump(2);
  EXPECT_EQ((*hop)["hook"], "input");
  EXPECT_NE((*hop)["rule"].get<std::string>().find("comment \"block apiserver\""), std::string::npos);
  auto ev = rule_evidence(lab_->provider, "inet", "filter", "input", "block apiserver");
  EXPECT_EQ((*hop)["handle"], ev.handle) << "nft -a disagrees about which rule this is";
  EXPECT_GE(ev.packets, 1U) << "the rule's own counter says it never matched";
  ASSERT_TRUE(t["drop"].is_object());
  EXPECT_FALSE(t["drop"]["location"].get<std::string>().empty());
  if (kernel_has_drop_reasons()) {
    EXPECT_EQ(t["drop"]["reason"], "NETFILTER_DROP");
  }
  EXPECT_LT(run.seconds, 5.0) << "a seen drop must be reported without waiting for the 10 s timeout";
}

TEST_F(ProbeCommand, TimingPlacesTheDeathBetweenSendAndReport) {
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet filter { chain input { type filter hook input priority 0; policy accept;\n"
                            "  udp dport 51820 drop\n}\n}\n")
                  .ok());
  auto run = probe({"--udp", std::string(kProvider) + ":51820", "--timing"}, "10");
  ASSERT_EQ(run.exit_code, 1) << run.err;
  ASSERT_EQ(run.report["targets"][0]["outcome"], "dropped") << run.report.dump(2);
  const auto& timing = run.report["timing"];
  ASSERT_TRUE(timing.is_object()) << run.report.dump(2);
  ASSERT_EQ(timing["per_target"].size(), 1U);
  const auto& t = timing["per_target"][0];
  ASSERT_TRUE(t["death_seen_ms"].is_number()) << "the drop was seen: its time must be there";
  const double ready = timing["start_to_trace_ready_ms"];
  const double sent = t["sent_ms"];
  const double death = t["death_seen_ms"];
  const double outcome = t["outcome_ms"];
  const double total = timing["total_ms"];
  EXPECT_GT(ready, 0);
  EXPECT_EQ(timing["start_to_first_probe_ms"], t["sent_ms"]);
  EXPECT_GE(sent, ready) << "a probe is sent once the trace is in place";
  EXPECT_GE(death, 0);
  EXPECT_GE(outcome, death) << "the outcome is known after the death is seen";
  EXPECT_LT(outcome, 5000) << "ended by the death, not by the 10 s timeout";
  EXPECT_GE(total, sent + outcome);
  EXPECT_LE(total / 1000.0, run.seconds) << "measured inside the process, so within its wall time";
  // The kernel's own time of death, from the BPF drop event, even though nft's drop verdict
  // (read first) already told fwpath of it; the delay to the report counts from there.
  ASSERT_TRUE(t["died_ms"].is_number()) << timing.dump(2);
  const double died = t["died_ms"];
  EXPECT_GE(died, 0);
  EXPECT_LE(died, death) << "the kernel freed it before fwpath read about it";
  ASSERT_TRUE(timing["death_to_report_ms"].is_number()) << timing.dump(2);
  EXPECT_NEAR(timing["death_to_report_ms"].get<double>(), total - sent - died, 0.01);
  // The dropped datagram was traced (at least the rule that dropped it) and its death seen
  // by BPF: both counted, and the trace events arrived between trace ready and the report.
  const auto& events = timing["events"];
  ASSERT_TRUE(events.is_object()) << timing.dump(2);
  EXPECT_GE(events["trace_decoded"].get<uint64_t>(), 1U);
  EXPECT_GE(events["bpf_decoded"].get<uint64_t>(), 1U);
  ASSERT_TRUE(events["first_trace_ms"].is_number()) << timing.dump(2);
  EXPECT_GE(events["first_trace_ms"].get<double>(), ready) << "no trace event before the tables are in place";
  EXPECT_GE(events["last_trace_ms"].get<double>(), events["first_trace_ms"].get<double>());
  EXPECT_LE(events["last_trace_ms"].get<double>(), total);
}

TEST_F(ProbeCommand, DropByChainPolicy) {
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet filter { chain input { type filter hook input priority 0; policy drop;\n"
                            "  ct state established,related accept\n  iif lo accept\n  tcp dport 22 accept\n}\n}\n")
                  .ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "dropped");
  const json* hop = find_hop(t["hops"], lab_->provider, "input", "policy drop");
  ASSERT_NE(hop, nullptr) << t["hops"].dump(2);
  EXPECT_EQ((*hop)["handle"], 0);
  EXPECT_NE(t["summary"].get<std::string>().find("policy of inet filter input"), std::string::npos) << t["summary"];
}

TEST_F(ProbeCommand, AcceptInOneBaseChainThenDropInALaterOne) {
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet first { chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp dport 6443 counter accept comment \"allowed here\"\n}\n}\n"
                            "table inet later { chain input { type filter hook input priority 10; policy accept;\n"
                            "  tcp dport 6443 counter drop comment \"but dropped here\"\n}\n}\n")
                  .ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto& t = run.report["targets"][0];
  const json* accept = find_hop(t["hops"], lab_->provider, "input", "accept");
  const json* drop = find_hop(t["hops"], lab_->provider, "input", "drop");
  ASSERT_NE(accept, nullptr) << t["hops"].dump(2);
  ASSERT_NE(drop, nullptr) << t["hops"].dump(2);
  EXPECT_EQ((*accept)["table"], "first");
  EXPECT_EQ((*drop)["table"], "later");
  EXPECT_EQ((*drop)["handle"], rule_evidence(lab_->provider, "inet", "later", "input", "but dropped").handle);
  EXPECT_EQ(t["outcome"], "dropped");
}

TEST_F(ProbeCommand, RejectWithIcmpAdminProhibited) {
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet firewalld { chain filter_INPUT { type filter hook input priority 10; "
                            "policy accept;\n  ct state established,related accept\n"
                            "  reject with icmpx admin-prohibited\n}\n}\n")
                  .ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "rejected");
  EXPECT_EQ(t["reply"]["outcome"], "icmp-error");
  EXPECT_EQ(t["reply"]["icmp"]["type"], 3);
  EXPECT_EQ(t["reply"]["icmp"]["code"], 13);
  EXPECT_EQ(t["reply"]["from"], kProvider);
  const json* hop = find_hop(t["hops"], lab_->provider, "filter_INPUT", "reject");
  ASSERT_NE(hop, nullptr) << t["hops"].dump(2);
  EXPECT_EQ((*hop)["rule"], "reject with icmpx admin-prohibited");
}

TEST_F(ProbeCommand, RejectWithTcpReset) {
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet filter { chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp dport 6443 reject with tcp reset\n}\n}\n")
                  .ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "rejected");
  EXPECT_EQ(t["reply"]["outcome"], "reset");
  ASSERT_NE(find_hop(t["hops"], lab_->provider, "input", "reject"), nullptr) << t["hops"].dump(2);
  EXPECT_NE(t["summary"].get<std::string>().find("with TCP RST"), std::string::npos) << t["summary"];
}

TEST_F(ProbeCommand, DnatInPreroutingIsReportedAndConntrackAgrees) {
  auto echo = UdpEchoListener::start(lab_->provider.fd(), {model::IpAddr::parse(kProvider).value(), 51840});
  ASSERT_TRUE(echo.ok()) << echo.error().message();
  ASSERT_TRUE(lab_->provider
                  .load_nft("table ip nat { chain prerouting { type nat hook prerouting priority -100;\n"
                            "  udp dport 30742 dnat to 198.51.100.20:51840 comment \"nodeport\"\n}\n}\n")
                  .ok());
  auto run = probe({"--gateway", std::string(kProvider) + ":30742"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.report.dump(2);
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "reached");
  bool dport = false;
  for (const auto& w : t["rewrites"]) {
    if (w["field"] == "dport" && w["before"] == "30742" && w["after"] == "51840") {
      dport = true;
      EXPECT_EQ(w["hook"], "prerouting");
      EXPECT_NE(w["rule"].get<std::string>().find("dnat to 198.51.100.20:51840"), std::string::npos);
      EXPECT_EQ(w["confirmed_by_conntrack"], true) << t["conntrack"].dump(2);
    }
  }
  EXPECT_TRUE(dport) << t["rewrites"].dump(2);
  auto ct = lab_->provider.run({"conntrack", "-L", "-p", "udp", "--orig-port-dst", "30742"});
  ASSERT_TRUE(ct.ok() && ct->ok()) << (ct ? ct->describe() : ct.error().message());
  EXPECT_NE(ct->out.find("sport=51840"), std::string::npos) << "conntrack's reply tuple: " << ct->out;
}

TEST_F(ProbeCommand, DnatInOutput) {
  auto listener = TcpListener::start(lab_->provider.fd(), {model::IpAddr::parse(kProvider).value(), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  ASSERT_TRUE(lab_->consumer
                  .load_nft("table ip nat { chain output { type nat hook output priority -100;\n"
                            "  tcp dport 7443 dnat to 198.51.100.20:6443\n}\n}\n")
                  .ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":7443"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.report.dump(2);
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "reached");
  bool seen = false;
  for (const auto& w : t["rewrites"]) {
    if (w["field"] == "dport" && w["after"] == "6443") {
      seen = true;
      EXPECT_EQ(w["hook"], "output") << t["rewrites"].dump(2);
    }
  }
  EXPECT_TRUE(seen) << t["rewrites"].dump(2);
  EXPECT_TRUE(listener->wait_accepted(1, 1000));
}

TEST_F(ProbeCommand, MasqueradeOnTheRouterSeenOnTheWire) {
  auto listener = TcpListener::start(lab_->provider.fd(), {model::IpAddr::parse(kProvider).value(), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  ASSERT_TRUE(lab_->router
                  .load_nft("table ip nat { chain postrouting { type nat hook postrouting priority 100;\n"
                            "  oifname \"r-p\" masquerade\n}\n}\n")
                  .ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.report.dump(2);
  const auto& t = run.report["targets"][0];
  bool saddr = false;
  for (const auto& w : t["rewrites"]) {
    if (w["field"] == "saddr" && w["after"] == "198.51.100.1" && w["direction"] == "request") {
      saddr = true;
      EXPECT_NE(w["rule"].get<std::string>().find("masquerade"), std::string::npos) << w.dump();
      EXPECT_EQ(w["confirmed_by_conntrack"], true) << t["conntrack"].dump(2);
    }
  }
  EXPECT_TRUE(saddr) << t["rewrites"].dump(2);
  auto ct = lab_->router.run({"conntrack", "-L", "-p", "tcp", "--orig-port-dst", "6443"});
  ASSERT_TRUE(ct.ok() && ct->ok());
  EXPECT_NE(ct->out.find("dst=198.51.100.1"), std::string::npos) << "conntrack's reply tuple: " << ct->out;
}

// A DNAT to another port and a fully random SNAT on the router leave the provider neither
// port fwpath watches: only the UDP probe's marker (its WireGuard sender index) still
// tells the datagram apart, in the nft rules as in the BPF filter. The provider's drop
// must still be named by its rule, not only seen dying.
TEST_F(ProbeCommand, PortChangingNatThenALaterNamespaceStillNamesTheRule) {
  ASSERT_TRUE(lab_->router
                  .load_nft("table ip nat {\n"
                            " chain prerouting { type nat hook prerouting priority -100;\n"
                            "  udp dport 30742 dnat to 198.51.100.20:51840 comment \"nodeport\"\n}\n"
                            " chain postrouting { type nat hook postrouting priority 100;\n"
                            "  oifname \"r-p\" masquerade fully-random\n}\n}\n")
                  .ok());
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet filter { chain input { type filter hook input priority 0; policy accept;\n"
                            "  udp dport 51840 counter drop comment \"gateway closed\"\n}\n}\n")
                  .ok());
  auto run = probe({"--gateway", std::string(kProvider) + ":30742"});
  ASSERT_EQ(run.exit_code, 1) << run.err << run.report.dump(2);
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "dropped") << t.dump(2);
  const RuleEvidence ev = rule_evidence(lab_->provider, "inet", "filter", "input", "gateway closed");
  EXPECT_EQ(ev.packets, 1U) << "the datagram reached the provider's input chain once";
  const json* hop = find_hop(t["hops"], lab_->provider, "input", "drop");
  ASSERT_NE(hop, nullptr) << t["hops"].dump(2);
  EXPECT_EQ((*hop)["handle"], ev.handle);
  EXPECT_NE((*hop)["rule"].get<std::string>().find("gateway closed"), std::string::npos) << hop->dump();
  bool dport = false;
  bool sport = false;
  for (const auto& w : t["rewrites"]) {
    dport |= w["field"] == "dport" && w["before"] == "30742" && w["after"] == "51840";
    sport |= w["field"] == "sport";
  }
  EXPECT_TRUE(dport && sport) << t["rewrites"].dump(2);
}

TEST_F(ProbeCommand, NoRouteOnTheRouter) {
  auto run = probe({"--api-server", "203.0.113.99:6443"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "rejected");
  EXPECT_EQ(t["reply"]["icmp"]["type"], 3);
  EXPECT_EQ(t["reply"]["icmp"]["code"], 0) << "net unreachable";
  EXPECT_EQ(t["reply"]["from"], "192.0.2.1");
  if (kernel_has_drop_reasons()) {
    ASSERT_TRUE(t["drop"].is_object()) << t.dump(2);
    EXPECT_EQ(t["drop"]["reason"], "IP_INNOROUTES");
  }
}

TEST_F(ProbeCommand, ReplyDroppedOnItsWayBack) {
  auto listener = TcpListener::start(lab_->provider.fd(), {model::IpAddr::parse(kProvider).value(), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  ASSERT_TRUE(lab_->consumer
                  .load_nft("table inet filter { chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp sport 6443 counter drop comment \"no way back\"\n}\n}\n")
                  .ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "dropped");
  ASSERT_TRUE(t["drop"].is_object());
  EXPECT_EQ(t["drop"]["direction"], "reply");
  const json* hop = find_hop(t["reply"]["hops"], lab_->consumer, "input", "drop");
  ASSERT_NE(hop, nullptr) << t.dump(2);
  EXPECT_EQ((*hop)["handle"], rule_evidence(lab_->consumer, "inet", "filter", "input", "no way back").handle);
  bool arrived = false;  // the SYN reached the provider: the failure is on the way back
  for (const auto& w : t["wire"]) {
    arrived |= w["netns"] == lab_->provider.name() && w["event"] == "receive" && w["direction"] == "request";
  }
  EXPECT_TRUE(arrived) << t["wire"].dump(2);
}

TEST_F(ProbeCommand, ThreeNamespacePathIsOneReport) {
  auto listener = TcpListener::start(lab_->provider.fd(), {model::IpAddr::parse(kProvider).value(), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  const std::string filter =
      "table inet filter {\n"
      " chain input { type filter hook input priority 0; policy accept; tcp dport 6443 counter accept; }\n"
      " chain forward { type filter hook forward priority 0; policy accept; tcp dport 6443 counter accept; }\n"
      " chain output { type filter hook output priority 0; policy accept; tcp dport 6443 counter accept; }\n}\n";
  for (const TestNetns* ns : {&lab_->consumer, &lab_->router, &lab_->provider}) ASSERT_TRUE(ns->load_nft(filter).ok());
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.report.dump(2);
  const auto& hops = run.report["targets"][0]["hops"];
  const json* out = find_hop(hops, lab_->consumer, "output", "accept");
  const json* fwd = find_hop(hops, lab_->router, "forward", "accept");
  const json* in = find_hop(hops, lab_->provider, "input", "accept");
  ASSERT_TRUE(out != nullptr && fwd != nullptr && in != nullptr) << hops.dump(2);
  EXPECT_LT(out, fwd) << "hops are in the order the packet lived them";
  EXPECT_LT(fwd, in);
  EXPECT_EQ(run.report["lost_events"], 0);
  EXPECT_FALSE(run.report["targets"][0]["wire"].empty()) << "device sightings from BPF";
}

TEST_F(ProbeCommand, LeavesNoTableBehind) {
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"}, "0.5");
  ASSERT_NE(run.exit_code, -1);
  for (const TestNetns* ns : {&lab_->consumer, &lab_->router, &lab_->provider}) {
    auto tables = ns->run({"nft", "list", "tables"});
    ASSERT_TRUE(tables.ok() && tables->ok());
    EXPECT_EQ(tables->out.find("fwpath"), std::string::npos) << ns->name() << ": " << tables->out;
  }
}

// S18: a rule in an iptables-legacy table is invisible to nft tracing; the kernel's drop
// still shows, and the report must say plainly where the drop must have come from.
TEST_F(ProbeCommand, IptablesLegacyDropIsNamedAsSuch) {
  FWPATH_SKIP_UNLESS(have_tool("iptables-legacy"), "iptables-legacy (Debian package iptables)");
  auto added = lab_->provider.run({"iptables-legacy", "-A", "INPUT", "-p", "tcp", "--dport", "6443", "-j", "DROP"});
  ASSERT_TRUE(added.ok());
  FWPATH_SKIP_UNLESS(added->ok(), "x_tables in this kernel (" + added->describe() + ")");
  auto run = probe({"--api-server", std::string(kProvider) + ":6443"});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  const auto& t = run.report["targets"][0];
  EXPECT_EQ(t["outcome"], "dropped") << t.dump(2);
  ASSERT_TRUE(t["drop"].is_object()) << t.dump(2);
  EXPECT_EQ(t["drop"]["netns"], lab_->provider.name());
  EXPECT_NE(t["drop"]["note"].get<std::string>().find("iptables-legacy"), std::string::npos) << t["drop"].dump(2);
  // Independent evidence: the legacy rule's own counter.
  auto counters = lab_->provider.run({"iptables-legacy", "-L", "INPUT", "-v", "-n", "-x"});
  ASSERT_TRUE(counters.ok() && counters->ok());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(counters->out, m, std::regex(R"(\n\s*(\d+)\s+\d+\s+DROP)"))) << counters->out;
  EXPECT_GE(std::stoi(m[1]), 1);
}

TEST(ProbeCommandInput, BadInputExitsTwoWithOneLine) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--api-server", "198.51.100.20:0"},
                                               {"--gateway", "198.51.100.20:65536"},
                                               {"--tcp", "[2001:db8::1]6443"},
                                               {"--kubeconfig", "/nonexistent/kubeconfig"},
                                               {},
                                               {"--api-server", "198.51.100.20:6443", "--timeout", "0"},
                                               {"--bogus"}}) {
    std::vector<std::string> argv{FWPATH_BINARY, "probe"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 2) << r->describe();
    EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
  }
}

}  // namespace
}  // namespace fwpath::testlab
