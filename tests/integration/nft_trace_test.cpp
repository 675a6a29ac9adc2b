// End to end in a private namespace: a ruleset that drops a UDP probe, the tracer table
// for that port, the listener, one datagram on loopback; the drop must be traced to the
// rule whose listing carries `comment "block probe"`.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "integration/nft_fixtures.h"
#include "nft/netlink_socket.h"
#include "nft/stale_tables.h"
#include "nft/table_list.h"
#include "nft/trace_listener.h"
#include "nft/tracer_name.h"
#include "nft/tracer_table.h"
#include "ruleset/snapshot.h"

namespace fwpath::nft {
namespace {

using model::NftTraceEvent;
using model::TraceType;
using model::Verdict;
using namespace std::chrono_literals;

constexpr uint16_t kProbePort = 40001;

// Drains until `done` holds or the deadline passes; bounded by poll, no sleeps.
std::vector<NftTraceEvent> collect(TraceListener& listener, const std::function<bool(const NftTraceEvent&)>& done,
                                   std::chrono::milliseconds budget = 3000ms) {
  std::vector<NftTraceEvent> events;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  bool finished = false;
  while (!finished && std::chrono::steady_clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    lab::wait_readable(listener.fd(), std::max(left, 1ms));
    auto n = listener.drain([&](NftTraceEvent&& ev) {
      if (done(ev)) finished = true;
      events.push_back(std::move(ev));
    });
    EXPECT_TRUE(n.ok()) << n.error().message();
    if (!n) break;
  }
  return events;
}

bool is_filter_drop(const NftTraceEvent& ev) {
  return ev.table == "filter" && ev.chain == "input" && ev.type == TraceType::Rule && ev.verdict == Verdict::Drop;
}

TEST(NftTrace, DropIsTracedToTheRuleWithItsComment) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  const int nsfd = ns->get();
  ASSERT_TRUE(lab::run_nft(nsfd,
                           "table inet filter {\n"
                           "  chain input {\n"
                           "    type filter hook input priority filter; policy accept;\n"
                           "    udp dport 40002 accept\n"
                           "    udp dport 40001 drop comment \"block probe\"\n"
                           "  }\n"
                           "}\n")
                  .ok());

  auto swept = sweep_stale_tables(nsfd, "test");
  ASSERT_TRUE(swept.ok()) << swept.error().message();
  EXPECT_TRUE(swept->empty());

  std::string tracer_name;
  {
    auto tracer = TracerTable::install(nsfd, "test", TracerConfig{{{model::L4::Udp, kProbePort}}});
    ASSERT_TRUE(tracer.ok()) << tracer.error().message();
    tracer_name = tracer->name();
    EXPECT_TRUE(is_tracer_table(tracer_name));
    EXPECT_EQ(tracer_table_pid(tracer_name), ::getpid());

    auto listener = TraceListener::open(nsfd, "test");
    ASSERT_TRUE(listener.ok()) << listener.error().message();
    auto ns_inode = netns_inode(nsfd);
    ASSERT_TRUE(ns_inode.ok());
    EXPECT_EQ(listener->netns_inode(), *ns_inode);
    // 16 MiB asked; the kernel reports twice what it accounts.
    EXPECT_GE(listener->receive_buffer(), TraceListener::kReceiveBufferBytes);

    auto sender = lab::socket_in(nsfd, AF_INET, SOCK_DGRAM);
    ASSERT_TRUE(sender.ok());
    const auto sent_at = model::Clock::now();
    ASSERT_TRUE(lab::send_udp(sender->get(), kProbePort, "probe").ok());

    const auto events = collect(*listener, is_filter_drop);
    EXPECT_EQ(listener->overruns(), 0U);
    EXPECT_EQ(listener->undecodable(), 0U) << listener->last_decode_error()->message();

    const auto drop = std::find_if(events.begin(), events.end(), is_filter_drop);
    ASSERT_NE(drop, events.end()) << "no drop event among " << events.size();
    EXPECT_EQ(drop->family, "inet");
    EXPECT_EQ(drop->nfproto, 2U);
    EXPECT_EQ(drop->netns, *ns_inode);
    EXPECT_GE(drop->received, sent_at);

    // The rule the kernel names is the one with the comment, found by its handle.
    auto snapshot = ruleset::Snapshot::take_in_netns(nsfd, "test");
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message();
    auto rule = snapshot->find_rule(drop->family, drop->table, drop->chain, drop->rule_handle);
    ASSERT_TRUE(rule.ok()) << rule.error().message();
    EXPECT_EQ(rule->text, "udp dport 40001 drop comment \"block probe\"");
    EXPECT_EQ(rule->position, 2U);
    EXPECT_EQ(snapshot->listings_taken(), 1U);
    // The tracer's table is not in the snapshot.
    for (const auto& [key, chain] : snapshot->ruleset().chains()) EXPECT_FALSE(is_tracer_table(key.table));

    // Events of the tracer's own chains are there and recognisable: the output chain's
    // nftrace rule (verdict continue) and, when the datagram comes back in over lo, the
    // prerouting chain's policy accept. The tracer has no input chain: the mark set on
    // entry lasts, and the input chain below reports the packet.
    const auto tracer_rule = std::find_if(events.begin(), events.end(), [&](const NftTraceEvent& ev) {
      return ev.table == tracer_name && ev.chain == "output" && ev.type == TraceType::Rule;
    });
    ASSERT_NE(tracer_rule, events.end());
    EXPECT_EQ(tracer_rule->verdict, Verdict::Continue);
    const auto tracer_policy = std::find_if(events.begin(), events.end(), [&](const NftTraceEvent& ev) {
      return ev.table == tracer_name && ev.chain == "prerouting" && ev.type == TraceType::Policy;
    });
    ASSERT_NE(tracer_policy, events.end());
    EXPECT_EQ(tracer_policy->verdict, Verdict::Accept);  // the policy's byte order is right

    // The first event of the input pass names the interface and carries the headers.
    const auto with_iif = std::find_if(events.begin(), events.end(),
                                       [](const NftTraceEvent& ev) { return ev.chain == "input" && !ev.iif.empty(); });
    ASSERT_NE(with_iif, events.end());
    EXPECT_EQ(with_iif->iif, "lo");
    ASSERT_GE(with_iif->network_header.size(), 20U);
    EXPECT_EQ(with_iif->network_header[9], 17);  // UDP
    ASSERT_GE(with_iif->transport_header.size(), 4U);
    EXPECT_EQ((with_iif->transport_header[2] << 8) | with_iif->transport_header[3], kProbePort);
    // All events of one packet in one hook share an id.
    EXPECT_EQ(with_iif->trace_id, drop->trace_id);
  }

  // The tracer object is gone: so is its table.
  auto sock = NetlinkSocket::open(nsfd, "test");
  ASSERT_TRUE(sock.ok());
  auto tables = list_tables(*sock);
  ASSERT_TRUE(tables.ok()) << tables.error().message();
  for (const auto& t : *tables) EXPECT_NE(t.name, tracer_name);
  EXPECT_TRUE(std::any_of(tables->begin(), tables->end(), [](const TableInfo& t) { return t.name == "filter"; }));
}

TEST(NftTrace, JumpsOverIpv6AreTracedWithTheirTarget) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  const int nsfd = ns->get();
  ASSERT_TRUE(lab::run_nft(nsfd,
                           "table ip6 t {\n"
                           "  chain checks {\n"
                           "    counter\n"
                           "    udp dport 9 accept\n"
                           "  }\n"
                           "  chain input {\n"
                           "    type filter hook input priority filter; policy drop;\n"
                           "    jump checks\n"
                           "  }\n"
                           "}\n")
                  .ok());
  auto tracer = TracerTable::install(nsfd, "test", TracerConfig{{{model::L4::Udp, 40031}}, false});
  ASSERT_TRUE(tracer.ok()) << tracer.error().message();
  auto listener = TraceListener::open(nsfd, "test");
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  auto sender = lab::socket_in(nsfd, AF_INET6, SOCK_DGRAM);
  ASSERT_TRUE(sender.ok());
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons(40031);
  to.sin6_addr = in6addr_loopback;
  ASSERT_GT(::sendto(sender->get(), "x", 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)), 0);

  auto is_policy_drop = [](const NftTraceEvent& ev) {
    return ev.table == "t" && ev.type == TraceType::Policy && ev.verdict == Verdict::Drop;
  };
  const auto events = collect(*listener, is_policy_drop);
  const auto jump = std::find_if(events.begin(), events.end(), [](const NftTraceEvent& ev) {
    return ev.table == "t" && ev.chain == "input" && ev.verdict == Verdict::Jump;
  });
  ASSERT_NE(jump, events.end());
  EXPECT_EQ(jump->family, "ip6");
  EXPECT_EQ(jump->nfproto, 10U);
  EXPECT_EQ(jump->jump_target, "checks");
  EXPECT_NE(jump->rule_handle, 0U);
  const auto counted = std::find_if(events.begin(), events.end(), [](const NftTraceEvent& ev) {
    return ev.table == "t" && ev.chain == "checks" && ev.rule_handle != 0;
  });
  ASSERT_NE(counted, events.end());
  EXPECT_EQ(counted->verdict, Verdict::Continue);
  EXPECT_EQ(counted->trace_id, jump->trace_id);
  ASSERT_NE(std::find_if(events.begin(), events.end(), is_policy_drop), events.end());

  auto snapshot = ruleset::Snapshot::take_in_netns(nsfd, "test");
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message();
  auto rule = snapshot->find_rule(jump->family, jump->table, jump->chain, jump->rule_handle);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  EXPECT_EQ(rule->text, "jump checks");
  auto chain = snapshot->find_chain("ip6", "t", "input");
  ASSERT_TRUE(chain.ok());
  ASSERT_TRUE(chain->base.has_value());
  EXPECT_EQ(chain->base->policy, "drop");
}

TEST(NftTrace, OverrunsAreCountedNotHidden) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  const int nsfd = ns->get();
  auto tracer = TracerTable::install(nsfd, "test", TracerConfig{{{model::L4::Udp, 40021}}, false});
  ASSERT_TRUE(tracer.ok()) << tracer.error().message();
  // The smallest buffer the kernel allows: a few events fill it.
  auto listener = TraceListener::open(nsfd, "test", 4096);
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  auto sender = lab::socket_in(nsfd, AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(sender.ok());
  auto receiver = lab::socket_in(nsfd, AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(receiver.ok());
  ASSERT_TRUE(lab::bind_to(receiver->get(), 40021).ok());
  constexpr int kPackets = 200;
  for (int i = 0; i < kPackets; ++i) ASSERT_TRUE(lab::send_udp(sender->get(), 40021, "x").ok());

  size_t delivered = 0;
  for (;;) {
    auto n = listener->drain([&](NftTraceEvent&&) {});
    ASSERT_TRUE(n.ok()) << n.error().message();
    if (*n == 0) break;
    delivered += *n;
  }
  EXPECT_GE(listener->overruns(), 1U);
  // Each datagram passes output, postrouting, prerouting and input: far more events than
  // were delivered.
  EXPECT_LT(delivered, static_cast<size_t>(kPackets) * 4);
}

}  // namespace
}  // namespace fwpath::nft
