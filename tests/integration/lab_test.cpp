// The lab core (userspace/lab/) against the kernel: what build() creates is really there,
// checked with tools fwpath does not use (ip, nft, a socket), and what teardown, a failed
// build and the sweep remove is really gone.
#include "lab/lab.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "lab/sysctl.h"
#include "support/netns_lab.h"
#include "util/netns.h"

namespace fwpath::lab {
namespace {

using testlab::run_command;

bool netns_exists(const std::string& name) {
  return std::filesystem::exists(std::string(kNetnsDir) + "/" + name);
}

std::vector<std::string> ours() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(kNetnsDir, ec)) {
    const auto p = parse_lab_netns_name(e.path().filename().string());
    if (p && p->run.pid == ::getpid()) out.push_back(e.path().filename().string());
  }
  return out;
}

// `argv` run inside the namespace: its stdout, or the failure.
std::string in_netns(const LabNetns& ns, const std::vector<std::string>& argv) {
  testlab::CommandOptions opt;
  opt.netns_fd = ns.fd();
  auto r = run_command(argv, opt);
  EXPECT_TRUE(r.ok() && r->ok()) << (r ? r->describe() : r.error().message());
  return r && r->ok() ? r->out : std::string();
}

LabSpec small_lab() {
  LabSpec s;
  s.hosts = {{"left", "client", {{"net.ipv4.conf.all.rp_filter", "0"}, {"net.ipv4.conf.default.rp_filter", "2"}}},
             {"right", "server", {{"net.ipv4.ip_forward", "1"}}}};
  s.links = {{"left", "eth0", "right", "eth-l"}};
  s.addresses = {{"left", "eth0", "203.0.113.10/24"}, {"right", "eth-l", "203.0.113.1/24"}};
  s.routes = {{"left", "198.18.0.0/15", "203.0.113.1"}};
  s.rulesets = {{"right", "count.nft", "counts",
                 "table inet labtest {\n chain input { type filter hook input priority 0; policy accept;\n"
                 "  tcp dport 8443 counter comment \"lab test\"\n }\n}\n"}};
  s.listeners = {{"right", model::L4::Tcp, "203.0.113.1:8443", "server"}};
  return s;
}

class LabCore : public ::testing::Test {
 protected:
  void SetUp() override { FWPATH_REQUIRE_LAB(); }
};

TEST_F(LabCore, BuildCreatesWhatTheSpecSaysAndTeardownRemovesIt) {
  auto lab = Lab::build(small_lab());
  ASSERT_TRUE(lab.ok()) << lab.error().message();
  const LabNetns* left = lab->find("left");
  const LabNetns* right = lab->find("right");
  ASSERT_TRUE(left != nullptr && right != nullptr);
  EXPECT_EQ(left->name(), lab_netns_name(lab->run(), "left"));
  EXPECT_TRUE(netns_exists(left->name()));

  EXPECT_NE(in_netns(*left, {"ip", "-4", "addr", "show", "dev", "eth0"}).find("inet 203.0.113.10/24"),
            std::string::npos);
  EXPECT_NE(in_netns(*left, {"ip", "link", "show", "lo"}).find("UP"), std::string::npos);
  EXPECT_NE(in_netns(*left, {"ip", "-4", "route"}).find("198.18.0.0/15 via 203.0.113.1 dev eth0"), std::string::npos);
  const std::string links = in_netns(*right, {"ip", "-o", "link", "show"});
  EXPECT_NE(links.find("eth-l@"), std::string::npos) << links;
  EXPECT_EQ(links.find("eth0"), std::string::npos) << "the peer lives only in `left`";
  EXPECT_NE(in_netns(*right, {"nft", "list", "table", "inet", "labtest"}).find("comment \"lab test\""),
            std::string::npos);

  const NetnsRef rref{right->fd(), right->name()};
  const NetnsRef lref{left->fd(), left->name()};
  EXPECT_EQ(read_sysctl(rref, "net.ipv4.ip_forward").value(), "1");
  EXPECT_EQ(read_sysctl(lref, "net.ipv4.conf.all.rp_filter").value(), "0");
  // Written before the link existed, so eth0 inherited the default.
  EXPECT_EQ(read_sysctl(lref, "net.ipv4.conf.eth0.rp_filter").value(), "2");

  {  // A real connection from left reaches the listener in right.
    auto entered = NetnsEnter::enter(left->fd(), left->name());
    ASSERT_TRUE(entered.ok());
    const UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(s.valid());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(8443);
    to.sin_addr.s_addr = htonl(0xCB007101U);  // 203.0.113.1
    ASSERT_EQ(::connect(s.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0) << std::strerror(errno);
  }
  ASSERT_EQ(lab->listeners().size(), 1U);
  // accept() runs on the listener's thread: wait for it, bounded (no event to wait on).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (lab->listeners()[0].served() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(lab->listeners()[0].served(), 1U);

  const std::string left_name = left->name();
  const std::string right_name = right->name();
  ASSERT_TRUE(lab->teardown().ok());
  EXPECT_FALSE(netns_exists(left_name));
  EXPECT_FALSE(netns_exists(right_name));
  EXPECT_TRUE(lab->namespaces().empty());
  EXPECT_TRUE(lab->teardown().ok()) << "idempotent";
}

TEST_F(LabCore, RefusedRulesetCarriesNftsMessageAndLeavesNothing) {
  auto spec = small_lab();
  spec.rulesets = {{"right", "broken.nft", "", "table inet x {\n chain c {\n  tcp dport 22 acept\n }\n}\n"}};
  auto lab = Lab::build(spec);
  ASSERT_FALSE(lab.ok());
  EXPECT_EQ(lab.error().kind, ErrorKind::BadInput);
  const std::string msg = lab.error().message();
  EXPECT_NE(msg.find("broken.nft:3:"), std::string::npos) << "nft's location, with the source's name: " << msg;
  EXPECT_NE(msg.find("syntax error"), std::string::npos) << "nft's own words: " << msg;
  EXPECT_NE(msg.find("tcp dport 22 acept"), std::string::npos) << "the offending input line: " << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  EXPECT_TRUE(ours().empty()) << "a failed build removes what it created";
}

TEST_F(LabCore, KernelRefusalNamesRequestAndNamespace) {
  auto spec = small_lab();
  spec.addresses.push_back({"left", "eth0", "203.0.113.10/24"});  // the kernel says EEXIST
  auto lab = Lab::build(spec);
  ASSERT_FALSE(lab.ok());
  EXPECT_EQ(lab.error().err, EEXIST) << lab.error().message();
  EXPECT_NE(lab.error().message().find("add address 203.0.113.10/24 to eth0 in netns fwpath-"), std::string::npos)
      << lab.error().message();
  EXPECT_TRUE(ours().empty());
}

TEST_F(LabCore, ATakenNameIsAnErrorAndStaysItsOwners) {
  const LabRunId run = next_lab_run_id();
  auto first = LabNetns::create(run, "clash");
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = LabNetns::create(run, "clash");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().err, EEXIST) << second.error().message();
  EXPECT_TRUE(netns_exists(first->name())) << "the failed create must not remove the other's name";
  ASSERT_TRUE(first->remove().ok());
  EXPECT_FALSE(netns_exists(lab_netns_name(run, "clash")));
}

TEST_F(LabCore, SweepRemovesNamespacesOfDeadProcessesOnly) {
  // A pid that certainly ran and is gone: a child we reaped.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  const std::string dead = lab_netns_name(LabRunId{child, 0}, "stale");
  // A live process other than us: our parent (the test runner) outlives this test.
  const std::string live = lab_netns_name(LabRunId{::getppid(), 0}, "live");
  ASSERT_FALSE(netns_exists(dead) || netns_exists(live)) << "left over by an earlier run";
  // A real namespace mount, as a killed run leaves it where the mounts outlive it.
  ASSERT_TRUE(testlab::run_checked({"ip", "netns", "add", dead}).ok());
  ASSERT_TRUE(testlab::run_checked({"ip", "netns", "add", live}).ok());

  auto swept = sweep_stale_lab_netns();
  ASSERT_TRUE(swept.ok()) << swept.error().message();
  EXPECT_NE(std::find(swept->begin(), swept->end(), dead), swept->end());
  EXPECT_EQ(std::find(swept->begin(), swept->end(), live), swept->end());
  EXPECT_FALSE(netns_exists(dead));
  EXPECT_TRUE(netns_exists(live));
  (void)run_command({"ip", "netns", "del", dead});
  ASSERT_TRUE(testlab::run_checked({"ip", "netns", "del", live}).ok());
}

}  // namespace
}  // namespace fwpath::lab
