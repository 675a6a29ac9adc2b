// What `fwpath probe` reports, checked against evidence from tools that share none of
// its code, for the same packet: `nft monitor trace` (the rule handle and verdict of a
// drop), tcpdump on the egress interface (the rewritten packet after DNAT and
// masquerade), and tcpdump again against fwpath's own --pcap (the same bytes).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "model/flow.h"
#include "support/lab_fixture.h"
#include "support/temp_dir.h"
#include "util/c_handle.h"
#include "util/netns.h"
#include "util/unique_fd.h"

namespace fwpath::testlab {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using L = ThreeNsLab;

using Pcap = CHandle<pcap_t, pcap_close>;

// Waits until `ready(text of path)` holds, re-running `nudge` each round (bounded).
template <class Ready, class Nudge>
bool wait_for_file(const std::string& path, Ready ready, Nudge nudge, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    nudge();
    auto text = read_file(path);
    if (text && ready(*text)) return true;
    ::poll(nullptr, 0, 20);  // a bounded wait for another process's output: no event to wait on
  }
  return false;
}

// One datagram from inside the namespace netns_fd.
Status send_udp(int netns_fd, const char* addr, uint16_t port) {
  UniqueFd fd;
  {
    auto in = NetnsEnter::enter(netns_fd, "test");
    if (!in) return in.take_error();
    fd = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  }
  if (!fd.valid()) return sys_error("socket", "");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  if (::inet_pton(AF_INET, addr, &sin.sin_addr) != 1) return input_error("address", addr);
  const char byte = 'x';
  // The canary may be dropped on purpose; only the attempt matters.
  (void)::sendto(fd.get(), &byte, 1, 0, reinterpret_cast<const sockaddr*>(&sin), sizeof(sin));
  return {};
}

// Every packet of a capture file, from its network header on (Ethernet stripped).
std::vector<std::vector<uint8_t>> read_capture(const std::string& path) {
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  Pcap p(pcap_open_offline(path.c_str(), err.data()));
  EXPECT_TRUE(p) << err.data();
  std::vector<std::vector<uint8_t>> out;
  if (!p) return out;
  const int link = pcap_datalink(p.get());
  const size_t skip = link == DLT_EN10MB ? 14 : 0;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p.get(), &h, &data) == 1) {
    if (h->caplen < skip) continue;
    out.emplace_back(data + skip, data + h->caplen);
  }
  return out;
}

class ProbeEvidence : public WithLab<> {
 protected:
  void SetUp() override {
    WithLab<>::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto d = TempDir::create();
    ASSERT_TRUE(d) << d.error().message();
    dir_.emplace(std::move(d.value()));
  }

  json probe(const std::vector<std::string>& extra, int expected_exit) {
    std::vector<std::string> argv = lab_->probe_argv("3");
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run_command(argv);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) return json();
    EXPECT_EQ(r->exit_code, expected_exit) << r->err << r->out;
    json j = json::parse(r->out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->out;
    return j.is_discarded() ? json() : j["targets"][0];
  }

  // `tcpdump -w FILE` in `ns` on `ifname`, stopping after `count` packets; returns once
  // tcpdump says it is listening.
  std::optional<BackgroundProcess> start_capture(const TestNetns& ns, const std::string& ifname,
                                                 const std::string& file, const std::string& filter, int count) {
    const std::string tcpdump = find_on_path("tcpdump");
    if (tcpdump.empty()) {
      ADD_FAILURE() << "tcpdump not installed (scripts/install-deps installs it)";
      return std::nullopt;
    }
    const std::string log = file + ".log";
    auto p = BackgroundProcess::start(
        {tcpdump, "-i", ifname, "-n", "-U", "-c", std::to_string(count), "-w", file, filter}, ns.fd(), log);
    EXPECT_TRUE(p) << p.error().message();
    if (!p) return std::nullopt;
    const bool ready = wait_for_file(
        log, [](const std::string& t) { return t.find("listening on") != std::string::npos; }, [] {}, 5000ms);
    EXPECT_TRUE(ready) << "tcpdump never said it was listening: " << file_text(log);
    return std::optional<BackgroundProcess>(std::move(p.value()));
  }

  std::optional<TempDir> dir_;
};

// The rule, handle and verdict fwpath names for a drop are what `nft monitor trace`
// prints for the same packet (its trace line carries the probe's source port).
TEST_F(ProbeEvidence, DropByRuleMatchesNftMonitorTrace) {
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet filter { chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp dport 6443 counter drop comment \"block apiserver\"\n}\n}\n")
                  .ok());
  // A canary that nft monitor must report before the probe is sent: proof that it has
  // joined the trace group (events sent before that are lost to it).
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet canary { chain output { type filter hook output priority 0;\n"
                            "  udp dport 9 meta nftrace set 1\n}\n}\n")
                  .ok());
  const std::string log = dir_->file("monitor.txt");
  auto monitor = BackgroundProcess::start({"nft", "-a", "monitor", "trace"}, lab_->provider.fd(), log);
  ASSERT_TRUE(monitor) << monitor.error().message();
  const bool joined = wait_for_file(
      log, [](const std::string& t) { return t.find("udp dport 9") != std::string::npos; },
      [&] { ASSERT_TRUE(send_udp(lab_->provider.fd(), "127.0.0.1", 9)); }, 5000ms);
  ASSERT_TRUE(joined) << "nft monitor trace never reported the canary";
  ASSERT_TRUE(lab_->provider.run_ok({"nft", "delete", "table", "inet", "canary"}));

  const json t = probe({"--api-server", std::string(L::kProviderV4) + ":6443"}, 1);
  ASSERT_TRUE(t.is_object());
  EXPECT_EQ(t["outcome"], "dropped");
  const json* hop = nullptr;
  for (const auto& h : t["hops"]) {
    if (h["netns"] == lab_->provider.name() && h["chain"] == "input" && h["verdict"] == "drop") hop = &h;
  }
  ASSERT_NE(hop, nullptr) << t["hops"].dump(2);
  const std::string source = t["source"];
  const std::string sport = source.substr(source.rfind(':') + 1);

  // Stop the monitor (it would otherwise run forever) and read what it saw.
  auto stopped = monitor->stop();
  ASSERT_TRUE(stopped) << stopped.error().message();
  auto text = read_file(log);
  ASSERT_TRUE(text) << text.error().message();

  // The trace ids whose packet is the probe's SYN, then their drop line in inet filter input.
  std::set<std::string> ids;
  static const std::regex packet_line(R"(^trace id (\w+) .* packet: .*tcp sport (\d+) tcp dport 6443)");
  static const std::regex drop_line(R"(^trace id (\w+) inet filter input rule (.*) # handle (\d+) \(verdict (\w+)\))");
  std::istringstream in(*text);
  std::string line;
  std::vector<std::smatch> drops;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  for (const auto& l : lines) {
    std::smatch m;
    if (std::regex_search(l, m, packet_line) && m[2] == sport) ids.insert(m[1]);
  }
  ASSERT_FALSE(ids.empty()) << "nft monitor saw no packet from source port " << sport << ":\n" << *text;
  bool matched = false;
  for (const auto& l : lines) {
    std::smatch m;
    if (!std::regex_search(l, m, drop_line) || ids.count(m[1]) == 0) continue;
    matched = true;
    EXPECT_EQ((*hop)["handle"], std::stoull(m[3])) << l;
    EXPECT_EQ((*hop)["verdict"], m[4].str()) << l;
    EXPECT_NE(m[2].str().find("comment \"block apiserver\""), std::string::npos) << l;
    EXPECT_NE((*hop)["rule"].get<std::string>().find("comment \"block apiserver\""), std::string::npos);
  }
  EXPECT_TRUE(matched) << "nft monitor trace shows no drop in inet filter input for the probe:\n" << *text;
}

// DNAT and masquerade on the router: tcpdump on the router's egress interface captures
// the rewritten packet; fwpath's rewrites and its transmit sighting there name the same
// addresses and ports, and fwpath's --pcap holds the very bytes tcpdump captured.
TEST_F(ProbeEvidence, DnatAndMasqueradeMatchACaptureAndThePcap) {
  auto echo = UdpEchoListener::start(lab_->provider.fd(), {addr(L::kProviderV4), 51820});
  ASSERT_TRUE(echo) << echo.error().message();
  ASSERT_TRUE(lab_->router
                  .load_nft("table ip nat {\n"
                            "  chain prerouting { type nat hook prerouting priority -100;\n"
                            "    udp dport 30742 dnat to 198.51.100.20:51820 comment \"nodeport\"\n  }\n"
                            "  chain postrouting { type nat hook postrouting priority 100;\n"
                            "    oifname \"r-p\" masquerade\n  }\n}\n")
                  .ok());
  const std::string capture = dir_->file("r-p.pcap");
  auto tcpdump = start_capture(lab_->router, L::kRouterProviderIf, capture, "udp and dst port 51820", 1);
  ASSERT_TRUE(tcpdump);
  const std::string own_pcap = dir_->file("fwpath.pcap");
  const json t = probe({"--gateway", std::string(L::kProviderV4) + ":30742", "--pcap", own_pcap}, 0);
  ASSERT_TRUE(t.is_object());
  auto done = tcpdump->wait(5000ms);
  ASSERT_TRUE(done) << "tcpdump did not capture the probe: " << done.error().message();

  const auto captured = read_capture(capture);
  ASSERT_EQ(captured.size(), 1U);
  auto pkt = model::parse_ip_packet(captured[0].data(), captured[0].size());
  ASSERT_TRUE(pkt);
  EXPECT_EQ(pkt->flow.src.addr.str(), L::kRouterProviderV4) << pkt->flow.str();
  EXPECT_EQ(pkt->flow.dst.addr.str(), L::kProviderV4);
  EXPECT_EQ(pkt->flow.dst.port, 51820);

  // fwpath's rewrites in the router: dport by the DNAT rule, saddr by masquerade.
  auto rewrite = [&](const std::string& field) -> const json* {
    for (const auto& w : t["rewrites"]) {
      if (w["netns"] == lab_->router.name() && w["direction"] == "request" && w["field"] == field) return &w;
    }
    return nullptr;
  };
  const json* dport = rewrite("dport");
  ASSERT_NE(dport, nullptr) << t["rewrites"].dump(2);
  EXPECT_EQ((*dport)["before"], "30742");
  EXPECT_EQ((*dport)["after"], std::to_string(pkt->flow.dst.port));
  EXPECT_NE((*dport)["rule"].get<std::string>().find("dnat to 198.51.100.20:51820"), std::string::npos);
  const json* saddr = rewrite("saddr");
  ASSERT_NE(saddr, nullptr) << t["rewrites"].dump(2);
  EXPECT_EQ((*saddr)["before"], L::kConsumerV4);
  EXPECT_EQ((*saddr)["after"], pkt->flow.src.addr.str());
  const json* sport = rewrite("sport");
  const std::string source = t["source"];
  const std::string probe_sport = source.substr(source.rfind(':') + 1);
  EXPECT_EQ(sport ? (*sport)["after"].get<std::string>() : probe_sport, std::to_string(pkt->flow.src.port))
      << "the source port on the wire is the one fwpath reports";

  // fwpath saw the same packet leave by r-p, headers and all.
  bool seen_on_wire = false;
  for (const auto& w : t["wire"]) {
    if (w["netns"] == lab_->router.name() && w["event"] == "transmit" && w["device"] == L::kRouterProviderIf &&
        w["direction"] == "request") {
      seen_on_wire = true;
      EXPECT_EQ(w["packet"], pkt->flow.str());
    }
  }
  EXPECT_TRUE(seen_on_wire) << t["wire"].dump(2);

  // And its own capture holds those bytes: the transmit on r-p is the skb tcpdump saw,
  // up to fwpath's snapshot length.
  const auto own = read_capture(own_pcap);
  ASSERT_FALSE(own.empty());
  bool same_bytes = false;
  for (const auto& rec : own) {
    const size_t n = std::min(rec.size(), captured[0].size());
    if (n >= 28 && std::equal(rec.begin(), rec.begin() + static_cast<std::ptrdiff_t>(n), captured[0].begin())) {
      same_bytes = true;
    }
  }
  EXPECT_TRUE(same_bytes) << own.size() << " records in fwpath's pcap, none with the captured packet's bytes";
}

}  // namespace
}  // namespace fwpath::testlab
