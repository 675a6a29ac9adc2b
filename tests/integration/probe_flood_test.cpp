// `fwpath probe` while another flow floods the probed port (bench/event_rate's situation):
// UDP from the consumer's port 40999 to the provider's NodePort, DNATed like the probe.
// The report must show the probe's own path (its source port 40000 on every hop, the
// DNAT as the only rewrite) and count the flood as ignored, never take its packets for a
// rewrite of the probe.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/lab_fixture.h"
#include "util/netns.h"

namespace fwpath::testlab {
namespace {

using nlohmann::json;

constexpr uint16_t kFloodPort = 40999;
constexpr uint16_t kNodePort = 30742;
constexpr uint16_t kBackendPort = 51840;

// A UDP socket bound in `netns_fd` to addr:port and connected to dst:dport.
Result<UniqueFd> flood_socket(int netns_fd, const char* addr, uint16_t port, const char* dst, uint16_t dport) {
  auto in = NetnsEnter::enter(netns_fd, "consumer");
  if (!in) return in.take_error();
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("create flood socket", "");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  std::copy_n(model::IpAddr::parse(addr).value().bytes.begin(), 4, reinterpret_cast<uint8_t*>(&a.sin_addr));
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return sys_error("bind flood socket", "");
  a.sin_port = htons(dport);
  std::copy_n(model::IpAddr::parse(dst).value().bytes.begin(), 4, reinterpret_cast<uint8_t*>(&a.sin_addr));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    return sys_error("connect flood socket", "");
  }
  return fd;
}

class ProbeUnderFlood : public WithLab<> {};

TEST_F(ProbeUnderFlood, ReportsTheProbesOwnPathAndNoBogusRewrite) {
  auto echo = UdpEchoListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), kBackendPort});
  ASSERT_TRUE(echo.ok()) << echo.error().message();
  ASSERT_TRUE(lab_->provider
                  .load_nft("table ip nat { chain prerouting { type nat hook prerouting priority -100;\n"
                            "  udp dport 30742 dnat to 198.51.100.20:51840\n}\n}\n")
                  .ok());
  auto sock =
      flood_socket(lab_->consumer.fd(), ThreeNsLab::kConsumerV4, kFloodPort, ThreeNsLab::kProviderV4, kNodePort);
  ASSERT_TRUE(sock.ok()) << sock.error().message();

  // About a thousand datagrams a second for as long as fwpath runs: enough to interleave
  // with the probe in every namespace, not enough to overrun the trace sockets.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::thread flood([&] {
    const char payload[32] = "not the probe";
    while (!stop.load()) {
      if (::send(sock->get(), payload, sizeof(payload), MSG_DONTWAIT) > 0) sent.fetch_add(1);
      ::poll(nullptr, 0, 1);  // pacing, not synchronisation
    }
  });
  auto r = run_command({FWPATH_BINARY, "probe", "--json", "--timeout", "2", "--from-netns", lab_->consumer.name(),
                        "--netns", lab_->router.name(), "--netns", lab_->provider.name(), "--gateway",
                        std::string(ThreeNsLab::kProviderV4) + ":" + std::to_string(kNodePort)});
  stop.store(true);
  flood.join();
  ASSERT_TRUE(r.ok()) << r.error().message();
  const json report = json::parse(r->out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r->out << r->err;
  ASSERT_GT(sent.load(), 0U);
  EXPECT_GT(report["ignored_foreign_events"].get<uint64_t>(), 0U)
      << "the flood was traced (same port) and must have been seen and ignored";

  const auto& t = report["targets"][0];
  // The run's own UDP source port, one of 40000-40999 (never the flood's 40999 here).
  const std::string source = t["source"].get<std::string>();
  ASSERT_EQ(source.rfind(std::string(ThreeNsLab::kConsumerV4) + ":", 0), 0U) << source;
  const int sport = std::stoi(source.substr(source.rfind(':') + 1));
  EXPECT_GE(sport, 40000);
  EXPECT_LE(sport, 40999);
  EXPECT_NE(sport, 40999);
  // Honest either way: a clean report only when nothing was lost during the probe.
  if (t["incomplete"].get<bool>()) {
    EXPECT_EQ(r->exit_code, 1) << t.dump(2);
  } else {
    EXPECT_EQ(r->exit_code, 0) << r->err << t.dump(2);
    EXPECT_EQ(t["outcome"], "reached");
  }
  bool dnat = false;
  for (const auto& w : t["rewrites"]) {
    // The reply's source is un-DNATed (51840 -> 30742); the request's source never changes.
    if (w["direction"] == "request") {
      EXPECT_NE(w["field"], "sport") << "bogus rewrite: " << w.dump();
    }
    EXPECT_NE(w["before"], std::to_string(kFloodPort)) << w.dump();
    EXPECT_NE(w["after"], std::to_string(kFloodPort)) << w.dump();
    if (w["field"] == "dport" && w["before"] == "30742" && w["after"] == "51840") dnat = true;
  }
  EXPECT_TRUE(dnat) << t["rewrites"].dump(2);
  auto no_flood = [](const json& hops) {
    for (const auto& h : hops) {
      EXPECT_EQ(h["packet"].get<std::string>().find(":40999"), std::string::npos) << h.dump();
    }
  };
  no_flood(t["hops"]);
  no_flood(t["reply"]["hops"]);
  for (const auto& w : t["wire"]) EXPECT_EQ(w["packet"].get<std::string>().find(":40999"), std::string::npos);
  for (const auto& c : t["conntrack"]) EXPECT_EQ(c["original"].get<std::string>().find(":40999"), std::string::npos);
  // The probe's own hop in the provider: the DNAT rule, on the probe's tuple.
  bool provider_nat = false;
  for (const auto& h : t["hops"]) {
    if (h["netns"] == lab_->provider.name() && h["chain"] == "prerouting" &&
        h["packet"] == "udp " + source + " -> 198.51.100.20:30742") {
      provider_nat = true;
    }
  }
  EXPECT_TRUE(provider_nat) << t["hops"].dump(2);
}

}  // namespace
}  // namespace fwpath::testlab
