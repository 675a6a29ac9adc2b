// `fwpath lab run` end to end, with scenario files the tests write: a scenario whose
// expectations hold (exit 0), one whose expectation fails (exit 1, the FAIL line names
// the key and what was seen), a bad file (exit 2, one line), two runs of one scenario at
// once, and SIGTERM in the middle of a run (exit 4, nothing left behind).
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lab/lab_names.h"
#include "support/command.h"
#include "support/leftovers.h"
#include "support/skip.h"

namespace fwpath::testlab {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Two hosts on one link; b serves TCP 6443 and drops TCP 7000 in its input chain.
constexpr const char* kScenario = R"(name: t-two-hosts
title: a reachable API server and a port dropped in input
source: written by lab_run_test
hosts:
  - name: a
    sysctls: {net.ipv4.conf.all.rp_filter: 0}
  - name: b
links:
  - {a: a, a_if: eth0, b: b, b_if: eth0, mtu: 1400}
addresses:
  - {host: a, if: eth0, cidr: 192.0.2.10/24}
  - {host: b, if: eth0, cidr: 192.0.2.20/24}
routes:
  - {host: a, dst: 198.18.5.0/24, type: unreachable}
rulesets:
  - {host: b, file: t/b-filter.nft}
listeners:
  - {host: b, proto: tcp, at: 192.0.2.20:6443, role: API server}
  - {host: b, proto: udp, at: 192.0.2.20:51840, role: gateway}
probes:
  - name: api
    from: a
    trace: [b]
    tcp: 192.0.2.20:6443
    expect:
      outcome: reached
      reply: true
  - name: blocked
    from: a
    trace: [b]
    tcp: 192.0.2.20:7000
    expect:
      outcome: dropped
      netns: b
      hook: HOOK
      verdict: drop
      rule: dport 7000
      chain: input
      table: filter
      reply: false
      no_hop_in: [{netns: b, hook: forward}]
)";

constexpr const char* kRuleset = R"(table inet filter {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport 7000 drop
  }
}
)";

// UDP probes to a silent gateway: each waits out its timeout, so the run takes seconds.
constexpr const char* kSlowProbes = R"(  - name: slow1
    from: a
    trace: [b]
    udp: 192.0.2.20:51840
  - name: slow2
    from: a
    trace: [b]
    udp: 192.0.2.20:51840
  - name: slow3
    from: a
    trace: [b]
    udp: 192.0.2.20:51840
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class LabRun : public ::testing::Test {
 protected:
  void SetUp() override {
    FWPATH_REQUIRE_LAB();
    std::string tmpl = (std::filesystem::temp_directory_path() / "fwpath-lab-run-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ / "t");
    std::ofstream(dir_ / "t" / "b-filter.nft") << kRuleset;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& text) const {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  static Result<CommandResult> lab_run(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {FWPATH_BINARY, "lab", "run"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv, CommandOptions{-1, {}, milliseconds(120000)});
  }

  std::filesystem::path dir_;
};

TEST_F(LabRun, PassingScenarioExitsZeroAndWritesJunit) {
  const auto file = write("pass.yaml", replaced(kScenario, "HOOK", "input"));
  const auto junit = (dir_ / "out.xml").string();
  auto r = lab_run({file, "--junit", junit});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 0) << r->describe() << "\n" << r->out;
  EXPECT_NE(r->out.find("PASS api outcome: reached"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("PASS blocked hook: input"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("PASS blocked rule: tcp dport 7000 drop"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("FAIL"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("1 scenarios: 1 passed, 0 failed, 0 skipped"), std::string::npos) << r->out;
  std::ifstream in(junit);
  std::stringstream xml;
  xml << in.rdbuf();
  EXPECT_NE(xml.str().find("<testsuite name=\"t-two-hosts\" tests=\"11\" failures=\"0\""), std::string::npos)
      << xml.str();
}

TEST_F(LabRun, FailedExpectationExitsOneAndNamesKeyAndActual) {
  const auto file = write("fail.yaml", replaced(kScenario, "HOOK", "forward"));
  auto r = lab_run({file, "--only", "blocked"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 1) << r->describe() << "\n" << r->out;
  EXPECT_NE(r->out.find("FAIL blocked hook: expected forward, got input"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("api outcome"), std::string::npos) << "--only keeps one probe:\n" << r->out;
  EXPECT_NE(r->out.find("1 scenarios: 0 passed, 1 failed, 0 skipped"), std::string::npos) << r->out;
}

TEST_F(LabRun, BadFileExitsTwoWithOneLine) {
  const auto file = write("bad.yaml", replaced(replaced(kScenario, "HOOK", "input"), "reply: true", "replies: true"));
  auto r = lab_run({file});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 2) << r->describe();
  EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
  EXPECT_NE(r->err.find(file + " line 27: probes[0].expect.replies: unknown key"), std::string::npos) << r->err;
  EXPECT_EQ(r->out, "");
}

TEST_F(LabRun, ZeroScenariosIsAnEmptyPass) {
  const auto junit = (dir_ / "empty.xml").string();
  auto r = lab_run({"--junit", junit});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 0) << r->describe();
  EXPECT_EQ(r->out, "0 scenarios: 0 passed, 0 failed, 0 skipped\n");
  EXPECT_TRUE(std::filesystem::exists(junit));
}

TEST_F(LabRun, TwoRunsOfOneScenarioAtOnceDoNotClash) {
  const auto file = write("pass.yaml", replaced(kScenario, "HOOK", "input"));
  const auto log1 = (dir_ / "run1.log").string();
  const auto log2 = (dir_ / "run2.log").string();
  auto p1 = BackgroundProcess::start({FWPATH_BINARY, "lab", "run", file}, -1, log1);
  ASSERT_TRUE(p1.ok()) << p1.error().message();
  auto p2 = BackgroundProcess::start({FWPATH_BINARY, "lab", "run", file}, -1, log2);
  ASSERT_TRUE(p2.ok()) << p2.error().message();
  auto r1 = p1->wait(seconds(120));
  auto r2 = p2->wait(seconds(120));
  ASSERT_TRUE(r1.ok() && r2.ok());
  const auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  EXPECT_EQ(r1->exit_code, 0) << slurp(log1);
  EXPECT_EQ(r2->exit_code, 0) << slurp(log2);
  EXPECT_NE(slurp(log1).find("1 passed"), std::string::npos) << slurp(log1);
  EXPECT_NE(slurp(log2).find("1 passed"), std::string::npos) << slurp(log2);
  EXPECT_TRUE(lab_netns_of(p1->pid()).empty());
  EXPECT_TRUE(lab_netns_of(p2->pid()).empty());
}

TEST_F(LabRun, SigtermMidRunLeavesNothing) {
  const auto file = write("slow.yaml", replaced(kScenario, "HOOK", "input") + kSlowProbes);
  auto p = BackgroundProcess::start({FWPATH_BINARY, "lab", "run", file}, -1, (dir_ / "slow.log").string());
  ASSERT_TRUE(p.ok()) << p.error().message();
  const pid_t pid = p->pid();
  // Wait (bounded, on the process's pidfd) until the lab exists and a probe is being traced.
  const auto deadline = Clock::now() + seconds(60);
  const auto probing = [&] {
    const auto names = lab_netns_of(pid);
    return names.size() == 2 &&
           std::any_of(names.begin(), names.end(), [](const std::string& n) { return tracer_table_in(n); });
  };
  while (!probing() && Clock::now() < deadline) {
    pollfd exited{p->pidfd(), POLLIN, 0};
    ASSERT_EQ(::poll(&exited, 1, 20), 0) << "fwpath exited before it was probing";
  }
  ASSERT_TRUE(probing()) << "the lab never started probing";
  ASSERT_TRUE(p->signal(SIGTERM));
  auto r = p->wait(seconds(30));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 4) << r->describe();
  EXPECT_TRUE(lab_netns_of(pid).empty());
  expect_no_tracer_left({}, pid);
}

TEST_F(LabRun, UpKeepsTheLabUntilDown) {
  const auto file = write("up.yaml", replaced(kScenario, "HOOK", "input"));
  auto up = BackgroundProcess::start({FWPATH_BINARY, "lab", "up", file}, -1, (dir_ / "up.log").string());
  ASSERT_TRUE(up.ok()) << up.error().message();
  const pid_t pid = up->pid();
  const std::string pid_file = "/run/fwpath/lab-t-two-hosts.pid";
  const auto ready = [&] {
    std::ifstream in(pid_file);
    pid_t recorded = 0;
    return in >> recorded && recorded == pid && lab_netns_of(pid).size() == 2;
  };
  const auto deadline = Clock::now() + seconds(60);
  while (!ready() && Clock::now() < deadline) {
    pollfd exited{up->pidfd(), POLLIN, 0};
    ASSERT_EQ(::poll(&exited, 1, 20), 0) << "lab up exited before the lab was up";
  }
  ASSERT_TRUE(ready()) << "lab up never recorded its pid with the lab built";
  // The lab is for other commands to use: its namespaces must be real from outside the
  // `lab up` process (not mounts of a private mount namespace), with the scenario's addresses.
  std::string addresses;
  for (const auto& name : lab_netns_of(pid)) {
    auto in = run_command({"ip", "netns", "exec", name, "ip", "-o", "-4", "addr", "show", "dev", "eth0"});
    ASSERT_TRUE(in.ok()) << in.error().message();
    EXPECT_EQ(in->exit_code, 0) << name << ": " << in->describe() << in->err;
    addresses += in->out;
  }
  EXPECT_NE(addresses.find("192.0.2.10/24"), std::string::npos) << addresses;
  EXPECT_NE(addresses.find("192.0.2.20/24"), std::string::npos) << addresses;
  auto down = run_command({FWPATH_BINARY, "lab", "down", file}, CommandOptions{-1, {}, milliseconds(60000)});
  ASSERT_TRUE(down.ok()) << down.error().message();
  EXPECT_EQ(down->exit_code, 0) << down->describe() << down->out;
  EXPECT_NE(down->out.find("stopped and removed"), std::string::npos) << down->out;
  auto r = up->wait(seconds(30));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 0) << r->describe();
  EXPECT_TRUE(lab_netns_of(pid).empty());
  EXPECT_FALSE(std::filesystem::exists(pid_file));
}

}  // namespace
}  // namespace fwpath::testlab
