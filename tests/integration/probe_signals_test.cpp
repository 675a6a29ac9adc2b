// fwpath probe interrupted while it traces: SIGINT/SIGTERM unwind and exit 4 with nothing
// left; SIGKILL cannot be caught, and the kernel's table owner flag (or the next run's
// sweep) must leave nothing either. The probe targets a silent UDP port so that it stays
// attached for its whole timeout; the test waits for the tracer table to appear (a bounded
// poll on an observable state, not a sleep) before it sends the signal.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <tuple>

#include "support/lab_fixture.h"
#include "support/leftovers.h"
#include "support/listeners.h"
#include "support/paused_probe.h"

namespace fwpath::testlab {
namespace {

class ProbeSignals : public WithLab<::testing::TestWithParam<int>> {};

TEST_P(ProbeSignals, NothingIsLeftBehind) {
  const int sig = GetParam();
  auto p = BackgroundProcess::start({FWPATH_BINARY, "probe", "--timeout", "30", "--from-netns", lab_->consumer.name(),
                                     "--netns", lab_->provider.name(), "--gateway", "198.51.100.20:51840"});
  ASSERT_TRUE(p.ok()) << p.error().message();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!tracer_table_in(lab_->provider) && std::chrono::steady_clock::now() < deadline) {
    pollfd exited{p->pidfd(), POLLIN, 0};
    ASSERT_EQ(::poll(&exited, 1, 20), 0) << "fwpath exited before it was tracing";
  }
  ASSERT_TRUE(tracer_table_in(lab_->provider)) << "fwpath never installed its tracer table";
  ASSERT_TRUE(p->signal(sig));
  auto r = p->wait(std::chrono::seconds(10));
  ASSERT_TRUE(r.ok()) << r.error().message();
  if (sig == SIGKILL) {
    EXPECT_EQ(r->signal, SIGKILL);
  } else {
    EXPECT_EQ(r->exit_code, 4) << "interrupted exit code; " << r->describe();
  }
  // The owner flag makes the kernel remove the table when the socket closes; BPF programs
  // go with the last file descriptor. Both are asynchronous: allow a moment.
  expect_no_tracer_left({lab_->provider.name(), lab_->consumer.name()});
}

INSTANTIATE_TEST_SUITE_P(Signals, ProbeSignals, ::testing::Values(SIGINT, SIGTERM, SIGKILL),
                         [](const auto& param_info) { return std::string(sigabbrev_np(param_info.param)); });

// The same per phase (util/test_pause.h): FWPATH_TEST_PAUSE_AT makes fwpath stop at a known
// point and say so on stderr; the test waits for that line, then sends the signal.
//   setup:   everything is created (tracer tables in both namespaces, BPF attached)
//   tracing: the probe was answered, the session still traces
//   report:  the session is closed, the report not printed yet
class ProbePhaseSignals : public WithLab<::testing::TestWithParam<std::tuple<const char*, int>>> {};

TEST_P(ProbePhaseSignals, InterruptedAndNothingLeft) {
  const auto [phase, sig] = GetParam();
  auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  PausedProbe p(phase,
                {"--timeout", "2", "--from-netns", lab_->consumer.name(), "--netns", lab_->provider.name(),
                 "--api-server", std::string(ThreeNsLab::kProviderV4) + ":6443"},
                std::string("phase-") + phase + "-" + std::to_string(sig));
  ASSERT_TRUE(p.wait_paused(phase)) << "never paused at " << phase << ": " << p.log();
  if (std::string(phase) == "setup") {
    EXPECT_TRUE(tracer_table_in(lab_->provider)) << "at setup the tracer table exists";
  }
  ASSERT_TRUE(p.signal(sig));
  auto r = p.finish();
  ASSERT_TRUE(r.ok()) << r.error().message();
  const std::string out = p.log();
  if (sig == SIGKILL) {
    EXPECT_EQ(r->signal, SIGKILL);
  } else {
    EXPECT_EQ(r->exit_code, 4) << out;
    EXPECT_NE(out.find(std::string("interrupted by ") + sigabbrev_np(sig) + " during " + phase), std::string::npos)
        << out;
    EXPECT_EQ(out.find("tcp "), std::string::npos) << "an interrupted run prints no report: " << out;
  }
  expect_no_tracer_left({lab_->provider.name(), lab_->consumer.name()});
}

INSTANTIATE_TEST_SUITE_P(Phases, ProbePhaseSignals,
                         ::testing::Combine(::testing::Values("setup", "tracing", "report"),
                                            ::testing::Values(SIGINT, SIGTERM, SIGKILL)),
                         [](const auto& param_info) {
                           return std::string(std::get<0>(param_info.param)) + "_" +
                                  sigabbrev_np(std::get<1>(param_info.param));
                         });

TEST(ProbeIpv6, ReachesAListenerOverIpv6) {
  FWPATH_REQUIRE_LAB();
  auto lab = ThreeNsLab::build();
  ASSERT_TRUE(lab.ok()) << lab.error().message();
  auto listener = TcpListener::start(lab->provider.fd(), {model::IpAddr::parse(ThreeNsLab::kProviderV6).value(), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  ASSERT_TRUE(lab->provider
                  .load_nft("table inet filter {\n chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp dport 6443 counter accept comment \"v6 ok\"\n }\n}\n")
                  .ok());
  auto r =
      run_command({FWPATH_BINARY, "probe", "--json", "--timeout", "2", "--from-netns", lab->consumer.name(), "--netns",
                   lab->provider.name(), "--api-server", std::string("[") + ThreeNsLab::kProviderV6 + "]:6443"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0) << r->out << r->err;
  EXPECT_NE(r->out.find("\"outcome\": \"reached\""), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("comment \\\"v6 ok\\\""), std::string::npos) << "the v6 packet's rule: " << r->out;
  EXPECT_TRUE(listener->wait_accepted(1, 1000));
}

}  // namespace
}  // namespace fwpath::testlab
