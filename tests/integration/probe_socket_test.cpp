// The real probes against the three-namespace lab: each outcome the sender can see, from
// a listener, a closed port, and rules in the provider's input chain.
#include "sources/probe_socket.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "support/lab_fixture.h"
#include "support/netns_lab.h"
#include "util/signals.h"

namespace fwpath::sources {
namespace {

using testlab::ThreeNsLab;
using namespace std::chrono_literals;

using testlab::addr;

ProbeOptions from_consumer(const ThreeNsLab& lab, const char* dst, uint16_t port) {
  ProbeOptions opt;
  opt.netns_fd = lab.consumer.fd();
  opt.dst = {addr(dst), port};
  opt.timeout = 2000ms;
  return opt;
}

// The provider's input chain: tcp/udp ports that are rejected or dropped.
constexpr const char* kProviderRules =
    "table inet probe_test {\n"
    "  chain input {\n"
    "    type filter hook input priority 0; policy accept;\n"
    "    tcp dport 7001 reject with icmpx admin-prohibited\n"
    "    tcp dport 7002 drop\n"
    "    udp dport 7003 drop\n"
    "  }\n"
    "}\n";

class ProbeSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FWPATH_REQUIRE_LAB();
    auto built = ThreeNsLab::build();
    ASSERT_TRUE(built) << built.error().message();
    lab_.emplace(std::move(built.value()));
    auto loaded = lab_->provider.load_nft(kProviderRules);
    ASSERT_TRUE(loaded) << loaded.error().message();
  }
  std::optional<ThreeNsLab> lab_;
};

TEST_F(ProbeSocketTest, TcpToListenerConnects) {
  auto listener = testlab::TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 7000});
  ASSERT_TRUE(listener) << listener.error().message();
  auto opt = from_consumer(*lab_, ThreeNsLab::kProviderV4, 7000);
  opt.src_port = 40000;
  auto r = probe_tcp(opt);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->outcome, ProbeOutcome::Connected) << to_string(r.value());
  EXPECT_EQ(to_string(r.value()), "connected");
  EXPECT_EQ(r->flow.src.addr, addr(ThreeNsLab::kConsumerV4));
  EXPECT_EQ(r->flow.src.port, 40000);
  EXPECT_EQ(r->flow.dst.port, 7000);
  EXPECT_LT(r->elapsed, 2000ms);
  EXPECT_TRUE(listener->wait_accepted(1, 2000));

  // The connection was reset, not closed: the same source port probes again at once.
  auto again = probe_tcp(opt);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->outcome, ProbeOutcome::Connected) << to_string(again.value());
}

TEST_F(ProbeSocketTest, TcpToClosedPortIsRefused) {
  auto r = probe_tcp(from_consumer(*lab_, ThreeNsLab::kProviderV4, 7009));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->outcome, ProbeOutcome::Refused) << to_string(r.value());
  EXPECT_FALSE(r->icmp);
}

TEST_F(ProbeSocketTest, TcpRejectedWithAdminProhibited) {
  auto r = probe_tcp(from_consumer(*lab_, ThreeNsLab::kProviderV4, 7001));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->outcome, ProbeOutcome::IcmpError) << to_string(r.value());
  ASSERT_TRUE(r->icmp);
  EXPECT_FALSE(r->icmp->v6);
  EXPECT_EQ(r->icmp->type, 3);
  EXPECT_EQ(r->icmp->code, 13);
  EXPECT_EQ(r->icmp->offender, addr(ThreeNsLab::kProviderV4));
  EXPECT_EQ(to_string(r.value()), "icmp-error type 3 code 13 from 198.51.100.20");
}

TEST_F(ProbeSocketTest, TcpDroppedTimesOut) {
  auto opt = from_consumer(*lab_, ThreeNsLab::kProviderV4, 7002);
  opt.timeout = 1000ms;
  auto r = probe_tcp(opt);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->outcome, ProbeOutcome::Timeout) << to_string(r.value());
  EXPECT_GE(r->elapsed, 1000ms);
  EXPECT_LT(r->elapsed, 1500ms);
}

TEST_F(ProbeSocketTest, UdpToEchoListenerGetsReply) {
  auto echo = testlab::UdpEchoListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 7100});
  ASSERT_TRUE(echo) << echo.error().message();
  auto opt = from_consumer(*lab_, ThreeNsLab::kProviderV4, 7100);
  opt.src_port = 40100;
  opt.marker = 0xfeed1234;
  auto r = probe_udp(opt);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->outcome, ProbeOutcome::Reply) << to_string(r.value());
  EXPECT_EQ(r->reply_bytes, 148U);
  ASSERT_TRUE(r->reply_from);
  EXPECT_EQ(r->reply_from->str(), "198.51.100.20:7100");
  EXPECT_EQ(r->flow.str(), "udp 192.0.2.10:40100 -> 198.51.100.20:7100");
  EXPECT_EQ(to_string(r.value()), "reply 148 bytes from 198.51.100.20:7100");
  EXPECT_TRUE(echo->wait_echoed(1, 2000));
  EXPECT_EQ(echo->echoed(), 1U);
}

TEST_F(ProbeSocketTest, UdpToClosedPortGetsPortUnreachable) {
  auto r = probe_udp(from_consumer(*lab_, ThreeNsLab::kProviderV4, 7109));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->outcome, ProbeOutcome::IcmpError) << to_string(r.value());
  ASSERT_TRUE(r->icmp);
  EXPECT_EQ(r->icmp->type, 3);
  EXPECT_EQ(r->icmp->code, 3);
  EXPECT_EQ(r->icmp->offender, addr(ThreeNsLab::kProviderV4));
  EXPECT_EQ(r->icmp->err, ECONNREFUSED);
}

TEST_F(ProbeSocketTest, UdpDroppedGetsNoReply) {
  auto opt = from_consumer(*lab_, ThreeNsLab::kProviderV4, 7003);
  opt.timeout = 500ms;
  auto r = probe_udp(opt);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->outcome, ProbeOutcome::NoReply) << to_string(r.value());
  EXPECT_GE(r->elapsed, 500ms);
}

TEST_F(ProbeSocketTest, UdpDroppedByLocalOutputIsALocalError) {
  auto loaded = lab_->consumer.load_nft(
      "table inet probe_test_out {\n"
      "  chain output { type filter hook output priority 0; udp dport 7104 drop; }\n"
      "}\n");
  ASSERT_TRUE(loaded) << loaded.error().message();
  auto r = probe_udp(from_consumer(*lab_, ThreeNsLab::kProviderV4, 7104));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->outcome, ProbeOutcome::LocalError) << to_string(r.value());
  EXPECT_EQ(r->local_errno, EPERM);
  EXPECT_EQ(to_string(r.value()), "local-error EPERM (Operation not permitted)");
}

TEST_F(ProbeSocketTest, TcpOverIpv6) {
  auto listener = testlab::TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV6), 7000});
  ASSERT_TRUE(listener) << listener.error().message();
  auto ok = probe_tcp(from_consumer(*lab_, ThreeNsLab::kProviderV6, 7000));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->outcome, ProbeOutcome::Connected) << to_string(ok.value());
  EXPECT_EQ(ok->flow.src.addr, addr(ThreeNsLab::kConsumerV6));

  auto rejected = probe_tcp(from_consumer(*lab_, ThreeNsLab::kProviderV6, 7001));
  ASSERT_TRUE(rejected) << rejected.error().message();
  ASSERT_EQ(rejected->outcome, ProbeOutcome::IcmpError) << to_string(rejected.value());
  ASSERT_TRUE(rejected->icmp);
  // icmpx admin-prohibited is ICMPv6 destination unreachable (1), administratively
  // prohibited (1) for IPv6.
  EXPECT_TRUE(rejected->icmp->v6);
  EXPECT_EQ(rejected->icmp->type, 1);
  EXPECT_EQ(rejected->icmp->code, 1);
  EXPECT_EQ(rejected->icmp->offender, addr(ThreeNsLab::kProviderV6));
  EXPECT_EQ(to_string(rejected.value()), "icmp-error icmpv6 type 1 code 1 from 2001:db8:2::20");
}

TEST_F(ProbeSocketTest, UdpOverIpv6PortUnreachable) {
  auto r = probe_udp(from_consumer(*lab_, ThreeNsLab::kProviderV6, 7109));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->outcome, ProbeOutcome::IcmpError) << to_string(r.value());
  ASSERT_TRUE(r->icmp);
  EXPECT_TRUE(r->icmp->v6);
  EXPECT_EQ(r->icmp->type, 1);
  EXPECT_EQ(r->icmp->code, 4);
  EXPECT_EQ(r->icmp->offender, addr(ThreeNsLab::kProviderV6));
}

// A stop request (SIGINT) ends the wait early with an Interrupted error. Run in a forked
// child (a gtest death test): the stop flag is process-wide and cannot be cleared, and
// the child leaves with _exit() so that it never deletes the parent's namespaces.
TEST_F(ProbeSocketTest, StopRequestEndsTheWait) {
  auto opt = from_consumer(*lab_, ThreeNsLab::kProviderV4, 7002);  // dropped: would wait
  opt.timeout = 10000ms;
  EXPECT_EXIT(
      {
        fwpath::install_stop_handlers();
        std::thread signaller([] {
          std::this_thread::sleep_for(200ms);  // a stimulus delay, not a synchronisation
          (void)::kill(::getpid(), SIGINT);
        });
        const auto start = std::chrono::steady_clock::now();
        auto r = probe_tcp(opt);
        signaller.join();
        const bool interrupted = !r && r.error().kind == ErrorKind::Interrupted;
        const bool quick = std::chrono::steady_clock::now() - start < 5000ms;
        ::_exit(interrupted && quick ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ProbeSocketTest, BadOptionsAreInputErrors) {
  auto opt = from_consumer(*lab_, ThreeNsLab::kProviderV4, 7000);
  opt.src_addr = addr(ThreeNsLab::kConsumerV6);
  auto mixed = probe_tcp(opt);
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().kind, ErrorKind::BadInput);
  opt.src_addr.reset();
  opt.timeout = 0ms;
  auto no_timeout = probe_udp(opt);
  ASSERT_FALSE(no_timeout);
  EXPECT_EQ(no_timeout.error().kind, ErrorKind::BadInput);
}

}  // namespace
}  // namespace fwpath::sources
