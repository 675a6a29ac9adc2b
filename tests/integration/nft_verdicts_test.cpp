// The tracer must never change what happens to a packet. The same host-like ruleset
// (stateful input with policy drop, a set, reject, notrack, NAT) is loaded into two fresh
// namespaces; the same traffic is sent through both, one with the tracer table and
// listener in place. Every probe's outcome and every rule counter must be identical.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "integration/nft_fixtures.h"
#include "nft/trace_listener.h"
#include "nft/tracer_table.h"
#include "ruleset/snapshot.h"

namespace fwpath::nft {
namespace {

using namespace std::chrono_literals;

const char* const kHostRuleset = R"(
table inet host {
  set blocked_ports {
    type inet_service
    elements = { 40012 }
  }
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    udp dport 40018 counter notrack
  }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related counter accept
    ct state invalid counter drop
    iifname "lo" udp dport 40011 counter accept
    iifname "lo" udp dport @blocked_ports counter drop comment "blocked"
    iifname "lo" tcp dport 40013 counter reject with tcp reset
    iifname "lo" tcp dport 40014 ct state new counter accept
    udp dport 40018 counter accept
    counter comment "falls to policy drop"
  }
  chain output {
    type filter hook output priority filter; policy accept;
    meta l4proto { tcp, udp } th dport 40011-40018 counter jump out_check
  }
  chain out_check {
    udp dport 40015 counter reject with icmpx port-unreachable
    counter return
  }
}
table ip nat {
  chain output {
    type nat hook output priority -100; policy accept;
    udp dport 40016 counter dnat to 127.0.0.1:40011
  }
}
)";

// What happened to each probe, in words, so that a difference reads well.
using Outcomes = std::map<std::string, std::string>;
// (table chain position) -> "packets N bytes M"
using Counters = std::map<std::string, std::string>;

std::string udp_probe(int nsfd, uint16_t port, uint16_t listen_port, std::chrono::milliseconds wait) {
  auto rx = lab::socket_in(nsfd, AF_INET, SOCK_DGRAM);
  auto tx = lab::socket_in(nsfd, AF_INET, SOCK_DGRAM);
  if (!rx || !tx || !lab::bind_to(rx->get(), listen_port)) return "setup failed";
  if (auto sent = lab::send_udp(tx->get(), port, "probe-" + std::to_string(port)); !sent) {
    return "send failed: " + std::string(std::strerror(sent.error().err));
  }
  if (!lab::wait_readable(rx->get(), wait)) return "not received";
  std::array<char, 64> buf{};
  const ssize_t n = ::recv(rx->get(), buf.data(), buf.size(), 0);
  return "received " + std::string(buf.data(), n > 0 ? static_cast<size_t>(n) : 0);
}

std::string tcp_probe(int nsfd, uint16_t port, bool listen) {
  auto server = lab::socket_in(nsfd, AF_INET, SOCK_STREAM);
  auto client = lab::socket_in(nsfd, AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  if (!server || !client) return "setup failed";
  if (listen && (!lab::bind_to(server->get(), port) || ::listen(server->get(), 4) != 0)) return "listen failed";
  const sockaddr_in to = lab::loopback(port);
  if (::connect(client->get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0 && errno != EINPROGRESS) {
    return "connect failed: " + std::string(std::strerror(errno));
  }
  pollfd pfd{client->get(), POLLOUT, 0};
  if (::poll(&pfd, 1, 3000) != 1) return "connect timed out";
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(client->get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return "connect: " + std::string(std::strerror(err));
  // Accepting means the handshake's last ACK has been through input as well.
  if (!lab::wait_readable(server->get(), 3000ms)) return "connected, never accepted";
  UniqueFd accepted(::accept4(server->get(), nullptr, nullptr, SOCK_CLOEXEC));
  return accepted.valid() ? "connected" : "accept failed";
}

Outcomes run_probes(int nsfd) {
  Outcomes out;
  // The output reject first: the ICMP error it makes has long been through input when
  // the counters are read after the waits below.
  out["udp 40015 (rejected in output)"] = udp_probe(nsfd, 40015, 40015, 300ms);
  out["udp 40011 (accepted)"] = udp_probe(nsfd, 40011, 40011, 2000ms);
  out["udp 40012 (in blocked set)"] = udp_probe(nsfd, 40012, 40012, 300ms);
  out["tcp 40013 (reset)"] = tcp_probe(nsfd, 40013, true);
  out["tcp 40014 (accepted)"] = tcp_probe(nsfd, 40014, true);
  out["udp 40016 (dnat to 40011)"] = udp_probe(nsfd, 40016, 40011, 2000ms);
  out["udp 40017 (policy drop)"] = udp_probe(nsfd, 40017, 40017, 300ms);
  out["udp 40018 (notrack)"] = udp_probe(nsfd, 40018, 40018, 2000ms);
  return out;
}

Counters read_counters(int nsfd) {
  Counters out;
  auto snap = ruleset::Snapshot::take_in_netns(nsfd, "test");
  EXPECT_TRUE(snap.ok()) << snap.error().message();
  if (!snap) return out;
  // "counter packets N bytes M", as nft prints an anonymous counter.
  constexpr std::string_view kCounter = "counter packets ";
  for (const auto& [key, rule] : snap->ruleset().rules()) {
    const size_t at = rule.text.find(kCounter);
    if (at == std::string::npos) continue;
    const size_t end = rule.text.find(' ', rule.text.find(" bytes ", at) + 7);
    out[key.chain.str() + " #" + std::to_string(rule.position)] =
        rule.text.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  }
  return out;
}

TEST(NftVerdicts, TracerChangesNoVerdictAndNoCounter) {
  FWPATH_REQUIRE_NET_ADMIN();

  // Without the tracer.
  auto plain_ns = lab::lab_netns();
  ASSERT_TRUE(plain_ns.ok()) << plain_ns.error().message();
  ASSERT_TRUE(lab::run_nft(plain_ns->get(), kHostRuleset).ok());
  const Outcomes plain = run_probes(plain_ns->get());
  const Counters plain_counters = read_counters(plain_ns->get());

  // With the tracer watching every port used, and its listener open.
  auto traced_ns = lab::lab_netns();
  ASSERT_TRUE(traced_ns.ok()) << traced_ns.error().message();
  ASSERT_TRUE(lab::run_nft(traced_ns->get(), kHostRuleset).ok());
  TracerConfig config;
  for (uint16_t port = 40011; port <= 40018; ++port) {
    config.ports.push_back({model::L4::Udp, port});
    config.ports.push_back({model::L4::Tcp, port});
  }
  auto tracer = TracerTable::install(traced_ns->get(), "test", config);
  ASSERT_TRUE(tracer.ok()) << tracer.error().message();
  auto listener = TraceListener::open(traced_ns->get(), "test");
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  const Outcomes traced = run_probes(traced_ns->get());
  const Counters traced_counters = read_counters(traced_ns->get());

  // The ruleset did what it says (so the comparison below means something)...
  EXPECT_EQ(plain.at("udp 40011 (accepted)"), "received probe-40011");
  EXPECT_EQ(plain.at("udp 40012 (in blocked set)"), "not received");
  EXPECT_EQ(plain.at("tcp 40013 (reset)"), "connect: Connection refused");
  EXPECT_EQ(plain.at("tcp 40014 (accepted)"), "connected");
  EXPECT_EQ(plain.at("udp 40015 (rejected in output)"), "send failed: Operation not permitted");
  EXPECT_EQ(plain.at("udp 40016 (dnat to 40011)"), "received probe-40016");
  EXPECT_EQ(plain.at("udp 40017 (policy drop)"), "not received");
  EXPECT_EQ(plain.at("udp 40018 (notrack)"), "received probe-40018");
  EXPECT_EQ(plain_counters.size(), 13U);

  // ...and the tracer changed none of it.
  EXPECT_EQ(traced, plain);
  EXPECT_EQ(traced_counters, plain_counters);

  // The tracer was really tracing: the blocked probe's drop was reported.
  bool saw_blocked_drop = false;
  for (;;) {
    auto n = listener->drain([&](model::NftTraceEvent&& ev) {
      if (ev.table == "host" && ev.chain == "input" && ev.verdict == model::Verdict::Drop) saw_blocked_drop = true;
    });
    ASSERT_TRUE(n.ok()) << n.error().message();
    if (*n == 0) break;
  }
  EXPECT_TRUE(saw_blocked_drop);
  EXPECT_EQ(listener->overruns(), 0U);
}

}  // namespace
}  // namespace fwpath::nft
