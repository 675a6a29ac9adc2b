// `fwpath audit` end to end, as a CI pipeline runs it: the example rulesets of
// rulesets/audit/ (nft and iptables-save), both roles, a broken ruleset, and after every
// run nothing of the audit left: no lab namespace of its pid, no tracer table of its pid,
// and the host's own ruleset exactly as it was.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/inotify.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lab/lab_names.h"
#include "support/leftovers.h"
#include "support/netns_lab.h"
#include "support/streaming_process.h"

namespace fwpath::testlab {
namespace {

using nlohmann::json;

// What one audit run gave; its pid names what it may have left behind.
using AuditRun = CommandResult;

AuditRun run_fwpath(std::vector<std::string> args) {
  args.insert(args.begin(), FWPATH_BINARY);
  auto r = run_command(args, timeout_after(std::chrono::seconds(90)));
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r ? r.value() : AuditRun{};
}

// The host's ruleset without counters (`-s`) and without the tracer tables of any fwpath
// process (other tests may be tracing the host namespace at the same time): what an audit
// must leave exactly as it found it.
std::string host_ruleset() {
  auto r = run_command({"nft", "-s", "list", "ruleset"});
  EXPECT_TRUE(r.ok() && r->ok()) << (r ? r->describe() : r.error().message());
  if (!r || !r->ok()) return "<nft list ruleset failed>";
  std::istringstream in(r->out);
  std::string kept;
  bool skipping = false;
  for (std::string line; std::getline(in, line);) {
    if (!skipping && line.rfind("table ", 0) == 0 && line.find(" fwpath_") != std::string::npos) skipping = true;
    if (!skipping) kept += line + "\n";
    if (skipping && line == "}") skipping = false;
  }
  return kept;
}

std::string example(const std::string& name) {
  return std::string(FWPATH_SOURCE_DIR) + "/rulesets/audit/" + name;
}

class Audit : public ::testing::Test {
 protected:
  void SetUp() override {
    FWPATH_REQUIRE_LAB();
    host_before_ = host_ruleset();
  }

  // Runs the audit, then checks that it left nothing behind, whatever its outcome.
  AuditRun audit(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"audit"};
    full.insert(full.end(), args.begin(), args.end());
    AuditRun run = run_fwpath(full);
    EXPECT_TRUE(lab_netns_of(run.pid).empty()) << "lab namespaces left by pid " << run.pid;
    EXPECT_EQ(host_tracer_tables_of(run.pid), "") << "tracer tables left in the host namespace";
    EXPECT_EQ(host_ruleset(), host_before_) << "the host's ruleset changed";
    return run;
  }

  static json parsed(const AuditRun& run) {
    try {
      return json::parse(run.out);
    } catch (const json::exception& e) {
      ADD_FAILURE() << "not JSON (" << e.what() << "): " << run.out << "\nstderr: " << run.err;
      return json::object();
    }
  }

  // The result of `requirement` in the JSON report.
  static json result_of(const json& report, const std::string& requirement) {
    for (const auto& r : report.at("audit").at("results")) {
      if (r.at("requirement") == requirement) return r;
    }
    ADD_FAILURE() << "no result for " << requirement << " in " << report.dump(2);
    return json::object();
  }

  std::string host_before_;
};

TEST_F(Audit, ProviderRulesetAllowingBothPathsExitsZero) {
  const auto run = audit({"--ruleset", example("provider-open.nft"), "--role", "provider", "--require", "tcp:6443",
                          "--require", "udp:51840", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto j = parsed(run);
  EXPECT_EQ(j.at("audit").at("blocked"), 0) << run.out;
  EXPECT_EQ(result_of(j, "tcp:6443").at("result"), "allowed");
  EXPECT_EQ(result_of(j, "udp:51840").at("result"), "allowed");
  EXPECT_EQ(result_of(j, "tcp:6443").at("from"), "peer");
  EXPECT_EQ(result_of(j, "tcp:6443").at("to"), "node");
}

TEST_F(Audit, RuleDroppingTheGatewayInInputIsNamedWithItsHandle) {
  const auto run = audit({"--ruleset", example("provider-gateway-blocked.nft"), "--role", "provider", "--require",
                          "tcp:6443", "--require", "udp:51840", "--json"});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto j = parsed(run);
  EXPECT_EQ(result_of(j, "tcp:6443").at("result"), "allowed");
  const auto udp = result_of(j, "udp:51840");
  EXPECT_EQ(udp.at("result"), "blocked") << udp.dump(2);
  const auto& rule = udp.at("blocking_rule");
  ASSERT_TRUE(rule.is_object()) << udp.dump(2);
  EXPECT_EQ(rule.at("netns"), "node");
  EXPECT_EQ(rule.at("hook"), "input");
  EXPECT_EQ(rule.at("table"), "filter");
  EXPECT_EQ(rule.at("chain"), "input");
  EXPECT_GT(rule.at("handle").get<uint64_t>(), 0U);
  EXPECT_NE(rule.at("rule").get<std::string>().find("drop high UDP ports"), std::string::npos) << rule.dump();
}

TEST_F(Audit, ConsumerEgressAllowListBlocksTheGatewayAndWritesJunit) {
  const std::string junit = "/tmp/fwpath-audit-test-" + std::to_string(::getpid()) + ".xml";
  const auto run = audit({"--ruleset", example("consumer-egress.nft"), "--role", "consumer", "--require", "tcp:6443",
                          "--require", "udp:51840", "--junit", junit});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(run.out.rfind("allowed  tcp:6443   node 192.0.2.10 -> peer 198.51.100.20:6443", 0), 0U) << run.out;
  EXPECT_NE(run.out.find("BLOCKED  udp:51840  node 192.0.2.10 -> peer 198.51.100.20:51840"), std::string::npos)
      << run.out;
  std::ifstream in(junit);
  std::stringstream xml;
  xml << in.rdbuf();
  std::filesystem::remove(junit);
  EXPECT_NE(xml.str().find("tests=\"2\" failures=\"1\""), std::string::npos) << xml.str();
  EXPECT_NE(xml.str().find("name=\"udp:51840\">\n      <failure"), std::string::npos) << xml.str();
  EXPECT_NE(xml.str().find("egress allow-list"), std::string::npos) << xml.str();
}

TEST_F(Audit, IptablesSaveRulesetRejectingTheApiServer) {
  FWPATH_SKIP_UNLESS(have_tool("iptables-nft-restore"), "iptables-nft-restore (package iptables)");
  const auto run = audit({"--ruleset", example("provider-iptables.rules"), "--format", "iptables-save", "--role",
                          "provider", "--require", "tcp:6443", "--require", "udp:51840", "--json"});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto j = parsed(run);
  const auto tcp = result_of(j, "tcp:6443");
  EXPECT_EQ(tcp.at("result"), "blocked") << tcp.dump(2);
  EXPECT_EQ(tcp.at("outcome"), "rejected") << tcp.dump(2);
  ASSERT_TRUE(tcp.at("blocking_rule").is_object()) << tcp.dump(2);
  EXPECT_EQ(tcp.at("blocking_rule").at("chain"), "INPUT");
  EXPECT_GT(tcp.at("blocking_rule").at("handle").get<uint64_t>(), 0U);
  EXPECT_EQ(result_of(j, "udp:51840").at("result"), "allowed");
}

TEST_F(Audit, IptablesLegacySaveRulesetIsJudgedByItsPacketsAndLeavesHostXtablesAlone) {
  FWPATH_SKIP_UNLESS(have_tool("iptables-legacy-restore"), "iptables-legacy-restore (package iptables)");
  FWPATH_SKIP_UNLESS(have_tool("iptables-legacy-save"), "iptables-legacy-save (package iptables)");
  const auto host_xtables = [] {
    auto r = run_command({"iptables-legacy-save"});
    if (!r || !r->ok()) return std::string("<iptables-legacy-save failed>");
    std::string kept;  // without the "# Generated/Completed on <time>" comments
    std::istringstream in(r->out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind('#', 0) != 0) kept += line + "\n";
    }
    return kept;
  };
  const std::string before = host_xtables();
  const auto run = audit({"--ruleset", example("provider-iptables.rules"), "--format", "iptables-legacy-save", "--role",
                          "provider", "--require", "tcp:6443", "--require", "udp:51840", "--json"});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto j = parsed(run);
  const auto tcp = result_of(j, "tcp:6443");
  EXPECT_EQ(tcp.at("result"), "blocked") << tcp.dump(2);
  EXPECT_NE(tcp.at("summary").get<std::string>().find("iptables-legacy"), std::string::npos) << tcp.dump(2);
  EXPECT_EQ(result_of(j, "udp:51840").at("result"), "allowed");
  EXPECT_EQ(host_xtables(), before) << "the host's x_tables changed";
}

TEST_F(Audit, SyntaxErrorOnLineFourExitsTwoNamingTheLine) {
  const auto run = audit({"--ruleset", example("broken-syntax.nft"), "--role", "provider", "--require", "tcp:6443"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("broken-syntax.nft:4:"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(Audit, IptablesSaveErrorOnLineFourExitsTwoNamingTheLine) {
  FWPATH_SKIP_UNLESS(have_tool("iptables-nft-restore"), "iptables-nft-restore (package iptables)");
  const std::string path = "/tmp/fwpath-audit-broken-" + std::to_string(::getpid()) + ".rules";
  {
    std::ofstream f(path);
    f << "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p nosuch -j DROP\nCOMMIT\n";
  }
  const auto run =
      audit({"--ruleset", path, "--format", "iptables-save", "--role", "consumer", "--require", "tcp:6443"});
  std::filesystem::remove(path);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find(".rules:4:"), std::string::npos) << run.err;
}

TEST_F(Audit, BadInputExitsTwoBeforeAnythingIsBuilt) {
  EXPECT_EQ(audit({"--ruleset", example("provider-open.nft"), "--role", "provider", "--require", "tcp:0"}).exit_code,
            2);
  const auto missing = audit({"--ruleset", "/nonexistent/r.nft", "--role", "provider", "--require", "tcp:1"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/r.nft"), std::string::npos) << missing.err;
}

// SIGTERM as soon as the audit's first lab namespace appears (an inotify event, not a
// timer): whichever step it interrupts, the audit exits 4 and leaves nothing.
TEST_F(Audit, SigtermWhileBuildingOrProbingExitsFourAndLeavesNothing) {
  const UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  ASSERT_TRUE(watch.valid()) << std::strerror(errno);
  std::filesystem::create_directories("/run/netns");
  ASSERT_GE(::inotify_add_watch(watch.get(), "/run/netns", IN_CREATE), 0) << std::strerror(errno);
  auto p = StreamingProcess::start({FWPATH_BINARY, "audit", "--ruleset", example("provider-open.nft"), "--role",
                                    "provider", "--require", "tcp:6443", "--require", "udp:51840"});
  ASSERT_TRUE(p.ok()) << p.error().message();
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    pollfd fds{watch.get(), POLLIN, 0};
    if (::poll(&fds, 1, 1000) <= 0) continue;
    alignas(inotify_event) char buf[4096];
    const ssize_t n = ::read(watch.get(), buf, sizeof(buf));
    for (ssize_t at = 0; n > 0 && at < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);  // NOLINT: the kernel's record layout
      const auto parsed = lab::parse_lab_netns_name(ev->len > 0 ? ev->name : "");
      if (parsed && parsed->run.pid == p->pid()) seen = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
  ASSERT_TRUE(seen) << "no lab namespace of pid " << p->pid() << " appeared";
  p->signal(SIGTERM);
  auto finished = p->finish(std::chrono::seconds(90));
  ASSERT_TRUE(finished.ok()) << finished.error().message();
  const AuditRun& run = finished.value();
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_TRUE(lab_netns_of(run.pid).empty()) << "lab namespaces left by pid " << run.pid;
  EXPECT_EQ(host_tracer_tables_of(run.pid), "");
  EXPECT_EQ(host_ruleset(), host_before_);
}

}  // namespace
}  // namespace fwpath::testlab
