// The BPF tracer against real traffic in the three-namespace lab: a probe dropped by a
// rule in the provider's input chain is seen leaving the consumer, arriving at the
// provider, and dying in netfilter with reason NETFILTER_DROP; other traffic is not
// reported; the programs are gone once the tracer is.
#include "sources/bpf_tracer.h"

#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <set>
#include <thread>

#include "fwpath_events.h"
#include "sources/probe_socket.h"
#include "support/lab_fixture.h"
#include "support/netns_lab.h"

namespace fwpath::sources {
namespace {

using testlab::ThreeNsLab;
using namespace std::chrono_literals;

using testlab::addr;

struct Seen {
  model::PacketEvent event;
  uint32_t watch_id = 0;
  std::optional<model::ParsedPacket> packet;
};

std::string describe(const Seen& s) {
  std::string out = to_string(s.event.kind) + " netns " + std::to_string(s.event.netns) + " dev " + s.event.ifname;
  if (s.packet) out += " " + s.packet->flow.str();
  if (s.event.reason_code) out += " reason " + s.event.reason;
  if (!s.event.location_symbol.empty()) out += " at " + s.event.location_symbol;
  return out;
}

std::string describe(const std::vector<Seen>& all) {
  std::string out;
  for (const auto& s : all) out += "\n  " + describe(s);
  return out;
}

// Polls and drains the tracer into `seen` until `done(seen)` holds or `timeout` passes.
template <class Pred>
bool collect_until(BpfTracer& tracer, std::vector<Seen>& seen, Pred done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(seen)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{tracer.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    auto n = tracer.drain([&](model::PacketEvent&& ev, uint32_t id) {
      tracer.symbolize(ev);  // what the session does before a report
      Seen s{std::move(ev), id, std::nullopt};
      s.packet = model::parse_ip_packet(s.event.packet.data(), s.event.packet.size());
      seen.push_back(std::move(s));
    });
    if (!n) return false;
  }
  return true;
}

auto has_drop_in(uint32_t netns) {
  return [netns](const std::vector<Seen>& seen) {
    for (const auto& s : seen) {
      if (s.event.kind == model::PacketEventKind::Drop && s.event.netns == netns) return true;
    }
    return false;
  };
}

// Where netfilter frees a packet it drops: nf_hook_slow on older kernels; recent ones
// (6.18 here) free it in nft_do_chain itself with NF_DROP_REASON().
bool netfilter_location(const std::string& symbol) {
  return symbol.rfind("nf_hook_slow+", 0) == 0 || symbol.rfind("nft_do_chain+", 0) == 0;
}

const Seen* find(const std::vector<Seen>& seen, model::PacketEventKind kind, uint32_t netns) {
  for (const auto& s : seen) {
    if (s.event.kind == kind && s.event.netns == netns) return &s;
  }
  return nullptr;
}

class BpfTracerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FWPATH_REQUIRE_LAB();
    FWPATH_SKIP_UNLESS(testlab::tracefs_status().ok(), "tracefs: " << testlab::tracefs_status().error().message());
    auto built = ThreeNsLab::build();
    ASSERT_TRUE(built) << built.error().message();
    lab_.emplace(std::move(built.value()));
    auto loaded = lab_->provider.load_nft(
        "table inet bpf_test {\n"
        "  chain input {\n"
        "    type filter hook input priority 0; policy accept;\n"
        "    udp dport { 7201, 7205 } drop\n"
        "    tcp dport 7203 drop\n"
        "  }\n"
        "}\n");
    ASSERT_TRUE(loaded) << loaded.error().message();
    auto tracer = BpfTracer::open();
    ASSERT_TRUE(tracer) << tracer.error().message();
    tracer_.emplace(std::move(tracer.value()));
  }

  ProbeOptions probe(const char* dst, uint16_t dport, uint16_t sport, std::chrono::milliseconds timeout) const {
    ProbeOptions opt;
    opt.netns_fd = lab_->consumer.fd();
    opt.dst = {addr(dst), dport};
    opt.src_port = sport;
    opt.timeout = timeout;
    return opt;
  }

  std::optional<ThreeNsLab> lab_;
  std::optional<BpfTracer> tracer_;  // declared last: detached before the lab goes
};

TEST_F(BpfTracerTest, UdpDropInProviderInputIsTracedEndToEnd) {
  ASSERT_TRUE(tracer_->watch(model::L4::Udp, 7201, 42));

  // Unrelated traffic first: another port each way, through the same devices. If the
  // kernel-side filter let it through, its events would come before the watched ones.
  auto other = probe_udp(probe(ThreeNsLab::kProviderV4, 7202, 40202, 2000ms));
  ASSERT_TRUE(other) << other.error().message();
  EXPECT_EQ(other->outcome, ProbeOutcome::IcmpError) << to_string(other.value());

  auto watched = probe_udp(probe(ThreeNsLab::kProviderV4, 7201, 40201, 300ms));
  ASSERT_TRUE(watched) << watched.error().message();
  EXPECT_EQ(watched->outcome, ProbeOutcome::NoReply) << to_string(watched.value());

  std::vector<Seen> seen;
  ASSERT_TRUE(collect_until(*tracer_, seen, has_drop_in(lab_->provider.inode()), 5000ms))
      << "no drop in the provider's namespace; events:" << describe(seen);

  const std::string flow = "udp 192.0.2.10:40201 -> 198.51.100.20:7201";
  for (const auto& s : seen) {
    ASSERT_TRUE(s.packet) << describe(s);
    EXPECT_EQ(s.packet->flow.str(), flow) << describe(s);
    EXPECT_EQ(s.watch_id, 42U);
    // 176 bytes of IP packet, cut at the snapshot length.
    EXPECT_EQ(s.event.packet.size(), 128U) << describe(s);
  }

  const Seen* xmit = find(seen, model::PacketEventKind::Transmit, lab_->consumer.inode());
  ASSERT_NE(xmit, nullptr) << describe(seen);
  EXPECT_EQ(xmit->event.ifname, ThreeNsLab::kConsumerIf);
  EXPECT_EQ(xmit->event.pkt_len, 14U + 20U + 8U + 148U) << "on transmit, skb->len counts the Ethernet header";

  const Seen* recv = find(seen, model::PacketEventKind::Receive, lab_->provider.inode());
  ASSERT_NE(recv, nullptr) << describe(seen);
  EXPECT_EQ(recv->event.ifname, ThreeNsLab::kProviderIf);

  const Seen* drop = find(seen, model::PacketEventKind::Drop, lab_->provider.inode());
  ASSERT_NE(drop, nullptr);
  EXPECT_TRUE(netfilter_location(drop->event.location_symbol)) << describe(*drop);
  if (tracer_->kernel_has_drop_reasons()) {
    ASSERT_TRUE(drop->event.reason_code) << describe(*drop);
    EXPECT_EQ(drop->event.reason, "NETFILTER_DROP");
  } else {
    EXPECT_FALSE(drop->event.reason_code);
  }

  // The router forwarded it: seen arriving and leaving there too.
  EXPECT_NE(find(seen, model::PacketEventKind::Receive, lab_->router.inode()), nullptr) << describe(seen);
  EXPECT_NE(find(seen, model::PacketEventKind::Transmit, lab_->router.inode()), nullptr) << describe(seen);

  // Everything the kernel side matched was delivered, and nothing else matched.
  auto lost = tracer_->lost_events();
  ASSERT_TRUE(lost) << lost.error().message();
  EXPECT_EQ(lost.value(), 0U);
  auto matched = tracer_->matched_packets();
  ASSERT_TRUE(matched) << matched.error().message();
  EXPECT_EQ(matched.value(), seen.size()) << describe(seen);
}

TEST_F(BpfTracerTest, UnwatchedPortIsNoLongerReported) {
  ASSERT_TRUE(tracer_->watch(model::L4::Udp, 7201, 1));
  ASSERT_TRUE(tracer_->watch(model::L4::Udp, 7205, 2));
  ASSERT_TRUE(tracer_->unwatch(model::L4::Udp, 7201));
  ASSERT_TRUE(probe_udp(probe(ThreeNsLab::kProviderV4, 7201, 40211, 200ms)));
  // A watched packet after the unwatched one: once its drop is seen, anything the first
  // one caused would have been seen too (the ring buffer keeps the kernel's order).
  ASSERT_TRUE(probe_udp(probe(ThreeNsLab::kProviderV4, 7205, 40215, 200ms)));
  std::vector<Seen> seen;
  ASSERT_TRUE(collect_until(*tracer_, seen, has_drop_in(lab_->provider.inode()), 5000ms)) << describe(seen);
  for (const auto& s : seen) {
    EXPECT_EQ(s.watch_id, 2U) << describe(s);
    ASSERT_TRUE(s.packet);
    EXPECT_EQ(s.packet->flow.dst.port, 7205) << describe(s);
  }
}

TEST_F(BpfTracerTest, OnlyWatchedNamespacesAreReported) {
  ASSERT_TRUE(tracer_->watch(model::L4::Udp, 7201, 7));
  ASSERT_TRUE(tracer_->watch_netns(lab_->provider.inode()));
  ASSERT_TRUE(probe_udp(probe(ThreeNsLab::kProviderV4, 7201, 40221, 300ms)));
  std::vector<Seen> seen;
  ASSERT_TRUE(collect_until(*tracer_, seen, has_drop_in(lab_->provider.inode()), 5000ms)) << describe(seen);
  // The consumer sent it and the router forwarded it, but neither is watched: only the
  // provider's receive and drop are reported, and nothing else even counts as matched.
  for (const auto& s : seen) EXPECT_EQ(s.event.netns, lab_->provider.inode()) << describe(s);
  EXPECT_NE(find(seen, model::PacketEventKind::Receive, lab_->provider.inode()), nullptr) << describe(seen);
  auto matched = tracer_->matched_packets();
  ASSERT_TRUE(matched) << matched.error().message();
  EXPECT_EQ(matched.value(), seen.size()) << describe(seen);
}

// The tp_btf programs test a short list of namespaces first (FWPATH_FAST_NETNS); more
// traced namespaces than it holds must still be reported, through the map.
TEST_F(BpfTracerTest, NamespacesBeyondTheShortListAreReportedToo) {
  ASSERT_TRUE(tracer_->watch(model::L4::Udp, 7201, 7));
  // Inode numbers no namespace has (namespace inodes are far above these), then the
  // provider's, last.
  for (uint32_t fake = 1; fake <= FWPATH_FAST_NETNS; ++fake) ASSERT_TRUE(tracer_->watch_netns(fake));
  ASSERT_TRUE(tracer_->watch_netns(lab_->provider.inode()));
  ASSERT_TRUE(probe_udp(probe(ThreeNsLab::kProviderV4, 7201, 40222, 300ms)));
  std::vector<Seen> seen;
  ASSERT_TRUE(collect_until(*tracer_, seen, has_drop_in(lab_->provider.inode()), 5000ms)) << describe(seen);
  EXPECT_NE(find(seen, model::PacketEventKind::Receive, lab_->provider.inode()), nullptr) << describe(seen);
  for (const auto& s : seen) EXPECT_EQ(s.event.netns, lab_->provider.inode()) << describe(s);
}

TEST_F(BpfTracerTest, UdpProbeIsKnownByItsMarkerWhateverItsPorts) {
  // Neither port is watched: only the payload's sender index can identify it, as after
  // a DNAT to another port and a random SNAT.
  constexpr uint32_t kMarker = 0x5eed1234;
  ASSERT_TRUE(tracer_->watch_marker(kMarker, 9));
  auto other = probe(ThreeNsLab::kProviderV4, 7205, 40232, 300ms);
  other.marker = kMarker + 1;  // same shape, another marker: not reported
  ASSERT_TRUE(probe_udp(other));
  auto opt = probe(ThreeNsLab::kProviderV4, 7201, 40231, 300ms);
  opt.marker = kMarker;
  ASSERT_TRUE(probe_udp(opt));
  std::vector<Seen> seen;
  ASSERT_TRUE(collect_until(*tracer_, seen, has_drop_in(lab_->provider.inode()), 5000ms)) << describe(seen);
  for (const auto& s : seen) {
    EXPECT_EQ(s.watch_id, 9U) << describe(s);
    EXPECT_EQ(s.event.marker_probe, std::optional<uint32_t>(9U)) << describe(s);
    ASSERT_TRUE(s.packet);
    EXPECT_EQ(s.packet->flow.str(), "udp 192.0.2.10:40231 -> 198.51.100.20:7201") << describe(s);
  }
  EXPECT_NE(find(seen, model::PacketEventKind::Transmit, lab_->consumer.inode()), nullptr) << describe(seen);
}

TEST_F(BpfTracerTest, Ipv6TcpDropIsTraced) {
  ASSERT_TRUE(tracer_->watch(model::L4::Tcp, 7203, 6));
  auto r = probe_tcp(probe(ThreeNsLab::kProviderV6, 7203, 40203, 500ms));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->outcome, ProbeOutcome::Timeout) << to_string(r.value());

  std::vector<Seen> seen;
  ASSERT_TRUE(collect_until(*tracer_, seen, has_drop_in(lab_->provider.inode()), 5000ms)) << describe(seen);
  const Seen* drop = find(seen, model::PacketEventKind::Drop, lab_->provider.inode());
  ASSERT_NE(drop, nullptr);
  ASSERT_TRUE(drop->packet);
  EXPECT_EQ(drop->packet->flow.str(), "tcp [2001:db8:1::10]:40203 -> [2001:db8:2::20]:7203");
  EXPECT_EQ(drop->packet->tcp_flags & 0x12, 0x02) << "a SYN";
  EXPECT_TRUE(netfilter_location(drop->event.location_symbol)) << describe(*drop);
  if (tracer_->kernel_has_drop_reasons()) {
    EXPECT_EQ(drop->event.reason, "NETFILTER_DROP");
  }
  // A SYN is shorter than the snapshot: exactly the IP packet is copied, no bytes past it.
  EXPECT_EQ(drop->event.packet.size(), drop->packet->ip_len);
  EXPECT_NE(find(seen, model::PacketEventKind::Transmit, lab_->consumer.inode()), nullptr) << describe(seen);
}

// Whether any of `ids` still names a loaded program.
bool any_loaded(const std::vector<uint32_t>& ids) {
  for (uint32_t id : ids) {
    const int fd = bpf_prog_get_fd_by_id(id);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
  }
  return false;
}

TEST_F(BpfTracerTest, ProgramsAreNamedAndReleased) {
  auto ids = tracer_->program_ids();
  ASSERT_TRUE(ids) << ids.error().message();
  ASSERT_EQ(ids->size(), 3U);
  // The device tracepoints as tp_btf where the kernel has the tracing program type (6.18
  // here: kernel-check's tp_btf row), else raw ones; no classic tracepoint on this kernel.
  EXPECT_NE(tracer_->attachment(), BpfTracer::Attachment::Tracepoint);
  const bool btf = tracer_->attachment() == BpfTracer::Attachment::TpBtf;
  std::set<std::string> names;
  for (uint32_t id : ids.value()) {
    const int fd = bpf_prog_get_fd_by_id(id);
    ASSERT_GE(fd, 0);
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
    ::close(fd);
    EXPECT_EQ(std::string(info.name).rfind("fwpath_", 0), 0U) << info.name;
    const bool device = std::string(info.name).rfind("fwpath_dev_", 0) == 0;
    EXPECT_EQ(info.type, static_cast<__u32>(btf && device ? BPF_PROG_TYPE_TRACING : BPF_PROG_TYPE_RAW_TRACEPOINT))
        << info.name;
    names.insert(info.name);
  }
  // The kernel keeps 15 characters of a name. kfree_skb: the variant that reads the
  // drop reason exactly where the kernel has one.
  EXPECT_EQ(names.count("fwpath_dev_xmit"), 1U);
  EXPECT_EQ(names.count("fwpath_dev_recv"), 1U);
  EXPECT_EQ(names.count("fwpath_kfree_sk"), 1U);
  EXPECT_TRUE(tracer_->degradations().empty()) << tracer_->degradations().front();
  // 6.18 has bpf_snprintf: the kfree_skb program names drop locations itself (the drop
  // tests above check the names), and /proc/kallsyms is never read.
  EXPECT_TRUE(tracer_->kernel_names_locations());
  tracer_.reset();
  // The kernel frees a program once its last link and fd are gone; the link's perf
  // event may be released after an RCU grace period, hence a bounded wait.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (any_loaded(ids.value()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(any_loaded(ids.value()));
}

}  // namespace
}  // namespace fwpath::sources
