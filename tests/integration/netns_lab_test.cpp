// The lab itself: namespaces appear and disappear, commands run inside them, and the
// three-namespace topology routes between consumer and provider.
#include "support/netns_lab.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>

#include "util/netns.h"

namespace fwpath::testlab {
namespace {

bool netns_exists(const std::string& name) {
  struct stat st {};
  return ::stat(("/run/netns/" + name).c_str(), &st) == 0;
}

TEST(NetnsLab, NamespaceIsDeletedWhenOwnerGoes) {
  FWPATH_REQUIRE_LAB();
  std::string name;
  {
    auto ns = TestNetns::create("lifetime");
    ASSERT_TRUE(ns) << ns.error().message();
    name = ns->name();
    EXPECT_EQ(name.rfind("fwpath-t" + std::to_string(::getpid()) + "-", 0), 0U) << name;
    EXPECT_TRUE(netns_exists(name));
    auto host = open_current_netns();
    ASSERT_TRUE(host);
    auto host_inode = netns_inode(host->get());
    ASSERT_TRUE(host_inode);
    EXPECT_NE(ns->inode(), host_inode.value());
  }
  EXPECT_FALSE(netns_exists(name));
}

TEST(NetnsLab, RunCapturesOutputAndExitInsideTheNamespace) {
  FWPATH_REQUIRE_LAB();
  auto ns = TestNetns::create("run");
  ASSERT_TRUE(ns) << ns.error().message();
  auto links = ns->run({"ip", "-o", "link", "show"});
  ASSERT_TRUE(links) << links.error().message();
  EXPECT_EQ(links->exit_code, 0);
  // A fresh namespace has only its loopback.
  EXPECT_NE(links->out.find("lo:"), std::string::npos) << links->out;
  EXPECT_EQ(links->out.find("eth"), std::string::npos) << links->out;
  EXPECT_NE(links->out.find("UP"), std::string::npos) << "loopback should be up: " << links->out;

  auto bad = ns->run({"ip", "link", "show", "dev", "no-such-dev"});
  ASSERT_TRUE(bad) << bad.error().message();
  EXPECT_NE(bad->exit_code, 0);
  EXPECT_FALSE(bad->err.empty());

  auto cat = ns->run({"cat"}, "through stdin\n");
  ASSERT_TRUE(cat) << cat.error().message();
  EXPECT_EQ(cat->out, "through stdin\n");

  auto missing = run_command({"fwpath-no-such-tool"});
  EXPECT_FALSE(missing);
}

TEST(NetnsLab, SysctlAndNftApplyToTheNamespaceOnly) {
  FWPATH_REQUIRE_LAB();
  auto ns = TestNetns::create("sysctl");
  ASSERT_TRUE(ns) << ns.error().message();
  ASSERT_TRUE(ns->set_sysctl("net.ipv4.ip_forward", "1"));
  auto inside = ns->read_sysctl("net.ipv4.ip_forward");
  ASSERT_TRUE(inside) << inside.error().message();
  EXPECT_EQ(inside.value(), "1");
  auto other = TestNetns::create("sysctl2");
  ASSERT_TRUE(other) << other.error().message();
  auto elsewhere = other->read_sysctl("net.ipv4.ip_forward");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere.value(), "0");

  auto loaded = ns->load_nft(
      "table inet fwpath_lab_test {\n"
      "  chain input { type filter hook input priority 0; }\n"
      "}\n");
  ASSERT_TRUE(loaded) << loaded.error().message();
  auto listed = ns->run({"nft", "list", "tables"});
  ASSERT_TRUE(listed);
  EXPECT_NE(listed->out.find("fwpath_lab_test"), std::string::npos);
  auto other_listed = other->run({"nft", "list", "tables"});
  ASSERT_TRUE(other_listed);
  EXPECT_EQ(other_listed->out.find("fwpath_lab_test"), std::string::npos);

  auto broken = ns->load_nft("table inet x { this is not nft }\n");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("syntax error"), std::string::npos) << broken.error().message();
}

TEST(NetnsLab, VethNamesAreChecked) {
  FWPATH_REQUIRE_LAB();
  auto a = TestNetns::create("veth-a");
  auto b = TestNetns::create("veth-b");
  ASSERT_TRUE(a && b);
  auto too_long = add_veth_pair(a.value(), "a-sixteen-chars!", b.value(), "b");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().kind, ErrorKind::BadInput);
  ASSERT_TRUE(add_veth_pair(a.value(), "a-fifteen-chars", b.value(), "b-end"));
  auto shown = b->run({"ip", "-o", "link", "show", "b-end"});
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->exit_code, 0) << shown->describe();
}

TEST(NetnsLab, ThreeNamespacesRouteThroughTheRouter) {
  FWPATH_REQUIRE_LAB();
  auto lab = ThreeNsLab::build();
  ASSERT_TRUE(lab) << lab.error().message();
  auto forward = lab->router.read_sysctl("net.ipv4.ip_forward");
  ASSERT_TRUE(forward);
  EXPECT_EQ(forward.value(), "1");
  auto route = lab->consumer.run({"ip", "route", "get", ThreeNsLab::kProviderV4});
  ASSERT_TRUE(route);
  EXPECT_NE(route->out.find("via 192.0.2.1 dev c-r"), std::string::npos) << route->out;
  auto route6 = lab->consumer.run({"ip", "-6", "route", "get", ThreeNsLab::kProviderV6});
  ASSERT_TRUE(route6);
  EXPECT_NE(route6->out.find("via 2001:db8:1::1 dev c-r"), std::string::npos) << route6->out;
}

TEST(NetnsLab, ListenersServeInsideTheirNamespace) {
  FWPATH_REQUIRE_LAB();
  auto ns = TestNetns::create("listen");
  ASSERT_TRUE(ns) << ns.error().message();
  auto lo = model::IpAddr::parse("127.0.0.1");
  ASSERT_TRUE(lo);
  auto tcp = TcpListener::start(ns->fd(), {lo.value(), 0});
  ASSERT_TRUE(tcp) << tcp.error().message();
  EXPECT_NE(tcp->port(), 0);
  // The port is open in the lab namespace, as `ss` run there shows.
  auto ss = ns->run({"ss", "-ltn"});
  ASSERT_TRUE(ss);
  EXPECT_NE(ss->out.find("127.0.0.1:" + std::to_string(tcp->port())), std::string::npos) << ss->out;
  auto udp = UdpEchoListener::start(ns->fd(), {lo.value(), 0});
  ASSERT_TRUE(udp) << udp.error().message();
  EXPECT_NE(udp->port(), 0);
}

TEST(NetnsLab, BackgroundProcessIsStoppedByPid) {
  FWPATH_REQUIRE_LAB();
  auto ns = TestNetns::create("bg");
  ASSERT_TRUE(ns) << ns.error().message();
  auto proc = BackgroundProcess::start({"sleep", "30"}, ns->fd());
  ASSERT_TRUE(proc) << proc.error().message();
  EXPECT_GT(proc->pid(), 0);
  auto ended = proc->stop();
  ASSERT_TRUE(ended) << ended.error().message();
  EXPECT_EQ(ended->signal, SIGTERM);

  auto quick = BackgroundProcess::start({"true"});
  ASSERT_TRUE(quick);
  auto done = quick->wait(std::chrono::milliseconds(5000));
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_EQ(done->exit_code, 0);
}

}  // namespace
}  // namespace fwpath::testlab
