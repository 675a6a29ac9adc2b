// The world changing under a running `fwpath probe`: a rule added and deleted while it
// traces, a traced namespace deleted, an interface going down. fwpath is stopped at known
// points with FWPATH_TEST_PAUSE_AT (util/test_pause.h) and sent on with SIGUSR1 after the
// test changed things; it must finish (no crash, no hang), say what it saw, and leave
// nothing behind.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/syscall.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/bpf_leaks.h"
#include "support/lab_fixture.h"
#include "support/listeners.h"

namespace fwpath::testlab {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// fwpath running in the background with pause points, its stdout and stderr in one log.
class PausedProbe {
 public:
  PausedProbe(const std::string& phases, const std::vector<std::string>& args, const std::string& tag)
      : log_(::testing::TempDir() + "fwpath-world-" + tag + ".log") {
    std::vector<std::string> argv = {"env", "FWPATH_TEST_PAUSE_AT=" + phases, FWPATH_BINARY, "probe"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto p = BackgroundProcess::start(argv, -1, log_);
    EXPECT_TRUE(p.ok()) << p.error().message();
    if (p.ok()) proc_.emplace(std::move(p.value()));
  }
  ~PausedProbe() { (void)std::remove(log_.c_str()); }
  PausedProbe(const PausedProbe&) = delete;
  PausedProbe& operator=(const PausedProbe&) = delete;

  // Bounded wait for "fwpath: paused at PHASE"; false if fwpath exited or never got there.
  bool wait_paused(const std::string& phase) {
    if (!proc_) return false;
    const std::string marker = "fwpath: paused at " + phase + "\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_file(log_).find(marker) != std::string::npos) return true;
      pollfd exited{proc_->pidfd(), POLLIN, 0};
      if (::poll(&exited, 1, 20) != 0) return false;
    }
    return false;
  }
  void resume() { ASSERT_EQ(::syscall(SYS_pidfd_send_signal, proc_->pidfd(), SIGUSR1, nullptr, 0), 0); }
  Result<CommandResult> finish() { return proc_->wait(std::chrono::seconds(30)); }
  std::string log() const { return read_file(log_); }

 private:
  std::string log_;
  std::optional<BackgroundProcess> proc_;
};

class ChangingWorld : public WithLab<> {
 protected:
  bool tracer_table_in(const TestNetns& ns) const {
    auto r = ns.run({"nft", "list", "tables"});
    return r.ok() && r->ok() && r->out.find("fwpath_") != std::string::npos;
  }
  void expect_nothing_left() const {
    EXPECT_FALSE(tracer_table_in(lab_->provider));
    EXPECT_FALSE(tracer_table_in(lab_->consumer));
    EXPECT_FALSE(orphaned_fwpath_programs());
  }
  std::vector<std::string> probe_args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {"--json",
                                  "--timeout",
                                  "2",
                                  "--from-netns",
                                  lab_->consumer.name(),
                                  "--netns",
                                  lab_->provider.name(),
                                  "--api-server",
                                  std::string(ThreeNsLab::kProviderV4) + ":6443"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

// Handles are never reused within a table: a rule added after fwpath's snapshot and deleted
// before the report must be reported as a handle that no longer exists, not as the rule
// that happens to sit nearby.
TEST_F(ChangingWorld, RuleAddedAndDeletedDuringTheTrace) {
  auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet filter {\n chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp dport 22 counter accept comment \"neighbour\"\n }\n}\n")
                  .ok());
  PausedProbe p("setup,tracing", probe_args(), "rule");
  ASSERT_TRUE(p.wait_paused("setup")) << p.log();
  ASSERT_TRUE(lab_->provider
                  .run_ok({"nft", "insert", "rule", "inet", "filter", "input", "tcp", "dport", "6443", "counter",
                           "accept", "comment", "\"added\""})
                  .ok());
  auto listing = lab_->provider.run({"nft", "-a", "list", "chain", "inet", "filter", "input"});
  ASSERT_TRUE(listing.ok() && listing->ok());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(listing->out, m, std::regex("comment \"added\" # handle ([0-9]+)"))) << listing->out;
  const std::string handle = m[1];
  p.resume();
  ASSERT_TRUE(p.wait_paused("tracing")) << p.log();
  ASSERT_TRUE(lab_->provider.run_ok({"nft", "delete", "rule", "inet", "filter", "input", "handle", handle}).ok());
  p.resume();
  auto r = p.finish();
  ASSERT_TRUE(r.ok()) << r.error().message();
  const std::string out = p.log();
  EXPECT_EQ(r->exit_code, 0) << out;
  EXPECT_NE(out.find("handle " + handle + " no longer exists"), std::string::npos) << out;
  EXPECT_EQ(out.find("neighbour"), std::string::npos) << "another rule's text for the gone handle: " << out;
  expect_nothing_left();
}

// `ip netns del` of a traced namespace only removes its name: fwpath holds it open, keeps
// tracing, and removes its table from it when it ends.
TEST_F(ChangingWorld, TracedNamespaceDeleted) {
  auto extra = TestNetns::create("extra");
  ASSERT_TRUE(extra.ok()) << extra.error().message();
  auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  PausedProbe p("setup", probe_args({"--netns", extra->name()}), "netns");
  ASSERT_TRUE(p.wait_paused("setup")) << p.log();
  EXPECT_TRUE(tracer_table_in(extra.value()));
  ASSERT_TRUE(run_checked({"ip", "netns", "del", extra->name()}).ok());
  p.resume();
  auto r = p.finish();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 0) << p.log();
  EXPECT_NE(p.log().find("\"outcome\": \"reached\""), std::string::npos) << p.log();
  EXPECT_FALSE(tracer_table_in(extra.value())) << "the table in the deleted namespace";
  expect_nothing_left();
}

// The path's link goes down after setup: the probe gets no answer, and fwpath says so
// (exit 1) instead of hanging or reporting a pass.
TEST_F(ChangingWorld, InterfaceGoesDown) {
  auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  PausedProbe p("setup", probe_args(), "link");
  ASSERT_TRUE(p.wait_paused("setup")) << p.log();
  ASSERT_TRUE(lab_->router.ip({"link", "set", ThreeNsLab::kRouterProviderIf, "down"}).ok());
  p.resume();
  auto r = p.finish();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 1) << p.log();
  const auto json_start = p.log().find('{');
  ASSERT_NE(json_start, std::string::npos) << p.log();
  const auto report = nlohmann::json::parse(p.log().substr(json_start), nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << p.log();
  EXPECT_FALSE(report["targets"][0]["passed"].get<bool>()) << report.dump(2);
  expect_nothing_left();
}

}  // namespace
}  // namespace fwpath::testlab
