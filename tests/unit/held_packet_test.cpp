// A packet routed out of a namespace that no device sent and nothing dropped was held there
// (waiting for ARP, typically): which namespace, which neighbour entry, and when nothing
// can be said.
#include "model/held_packet.h"

#include <gtest/gtest.h>

namespace fwpath::model {
namespace {

Flow flow(const char* src, const char* dst, L4 proto = L4::Udp) {
  Flow f;
  f.proto = proto;
  f.src = parse_endpoint(src).value();
  f.dst = parse_endpoint(dst).value();
  return f;
}

WireSighting wire(const std::string& netns, PacketEventKind kind, const std::string& dev) {
  return WireSighting{Direction::Request, netns, kind, dev, ""};
}

// S9 (bridge form): DNATed to the stale pod address, forwarded towards cni0, never sent.
struct Stale {
  ProbeReport r;
  std::vector<NetnsSighting> sightings;
  std::vector<NeighbourSighting> neighbours;

  Stale() {
    r.spec.proto = L4::Udp;
    r.spec.source_port = 40000;
    r.socket.outcome = SocketOutcome::Timeout;
    r.wire = {wire("consumer", PacketEventKind::Transmit, "eth0"), wire("router", PacketEventKind::Receive, "eth-c"),
              wire("router", PacketEventKind::Transmit, "eth-p"), wire("provider", PacketEventKind::Receive, "eth0")};
    sightings = {{1, "consumer", Hook::Output, "eth0", flow("192.0.2.10:40000", "198.51.100.20:30742")},
                 {2, "router", Hook::Prerouting, "", flow("192.0.2.10:40000", "198.51.100.20:30742")},
                 {3, "provider", Hook::Postrouting, "cni0", flow("192.0.2.10:40000", "198.18.1.5:51840")}};
    neighbours = {{3, IpAddr::parse("198.18.1.5").value(), "cni0", "INCOMPLETE"},
                  {2, IpAddr::parse("198.51.100.77").value(), "eth-p", "FAILED"}};
  }
  [[nodiscard]] std::optional<HeldPacket> held(bool watched = true) const {
    return find_held_packet(r, sightings, neighbours, watched);
  }
};

TEST(HeldPacket, WaitingForArpOfTheDestination) {
  const Stale s;
  const auto h = s.held();
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->netns, "provider");
  EXPECT_EQ(h->hook, Hook::Postrouting);
  EXPECT_EQ(h->device, "cni0");
  EXPECT_EQ(h->flow, "udp 192.0.2.10:40000 -> 198.18.1.5:51840");
  ASSERT_TRUE(h->neighbour.has_value());
  EXPECT_EQ(h->neighbour->address, "198.18.1.5");
  EXPECT_EQ(h->neighbour->protocol, "ARP");
  EXPECT_TRUE(h->neighbour->is_destination);
  EXPECT_EQ(held_text(*h),
            "routed out of cni0 at postrouting in netns provider but no device transmitted it and no drop was seen "
            "before the window closed: waiting for ARP of 198.18.1.5 on cni0 (INCOMPLETE)");
}

TEST(HeldPacket, AGatewaysEntryOnlyWhenItIsTheDevicesOnlyUnresolvedOne) {
  Stale s;
  s.neighbours = {{3, IpAddr::parse("198.18.1.254").value(), "cni0", "INCOMPLETE"}};
  auto h = s.held();
  ASSERT_TRUE(h && h->neighbour);
  EXPECT_FALSE(h->neighbour->is_destination);
  EXPECT_NE(held_text(*h).find("cni0's only unresolved neighbour is 198.18.1.254 (ARP INCOMPLETE), most likely"),
            std::string::npos)
      << held_text(*h);
  s.neighbours.push_back({3, IpAddr::parse("198.18.1.253").value(), "cni0", "FAILED"});
  h = s.held();
  ASSERT_TRUE(h.has_value());
  EXPECT_FALSE(h->neighbour.has_value()) << "two candidates: none named";
  s.neighbours = {{3, IpAddr::parse("198.18.1.5").value(), "eth0", "INCOMPLETE"}};
  h = s.held();
  ASSERT_TRUE(h.has_value());
  EXPECT_FALSE(h->neighbour.has_value()) << "an entry on another device is not the one waited for";
  EXPECT_EQ(held_text(*h).find("waiting"), std::string::npos);
}

TEST(HeldPacket, NothingToSayWhenItLeftDiedWasAnsweredOrDevicesWereNotWatched) {
  EXPECT_FALSE(Stale().held(false).has_value()) << "without BPF no transmit is ever seen";
  Stale s;
  s.r.wire.push_back(wire("provider", PacketEventKind::Transmit, "veth-gw"));
  EXPECT_FALSE(s.held().has_value()) << "it left the provider";
  s = Stale();
  s.r.drop = DropInfo{};
  EXPECT_FALSE(s.held().has_value()) << "it died";
  s = Stale();
  Hop h;
  h.netns = "provider";
  h.verdict = "policy drop";
  s.r.hops.push_back(h);
  EXPECT_FALSE(s.held().has_value()) << "an nft verdict dropped it";
  s = Stale();
  s.r.socket.outcome = SocketOutcome::IcmpError;
  EXPECT_FALSE(s.held().has_value()) << "answered";
  s = Stale();
  s.sightings[2].hook = Hook::Prerouting;
  EXPECT_FALSE(s.held().has_value()) << "seen at prerouting only: it may have been delivered locally";
  s = Stale();
  s.sightings[2].hook = Hook::Input;
  EXPECT_FALSE(s.held().has_value()) << "delivered to a local socket";
}

TEST(HeldPacket, HeldInTheSendingNamespace) {
  Stale s;
  s.r.wire.clear();
  s.sightings = {{1, "consumer", Hook::Output, "eth0", flow("192.0.2.10:40000", "198.51.100.20:30742")}};
  s.neighbours = {{1, IpAddr::parse("192.0.2.1").value(), "eth0", "INCOMPLETE"}};
  const auto h = s.held();
  ASSERT_TRUE(h && h->neighbour);
  EXPECT_EQ(h->netns, "consumer");
  EXPECT_EQ(h->hook, Hook::Output);
  EXPECT_EQ(h->neighbour->address, "192.0.2.1");
}

TEST(HeldPacket, TcpBehindASourceNatIsNotRecognisableOnTheWire) {
  Stale s;
  s.r.spec.proto = L4::Tcp;
  s.r.spec.source_port = 41000;
  s.sightings[2].flow = flow("192.0.2.10:41000", "198.18.1.5:6443", L4::Tcp);
  EXPECT_TRUE(s.held().has_value());
  Hop masq;
  masq.netns = "provider";
  masq.hook = Hook::Postrouting;
  masq.rule = "masquerade fully-random";
  masq.verdict = "accept";
  s.r.hops.push_back(masq);
  EXPECT_FALSE(s.held().has_value()) << "its ports changed after the hook: BPF would not have known it";
}

}  // namespace
}  // namespace fwpath::model
