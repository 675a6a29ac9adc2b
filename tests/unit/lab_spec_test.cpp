// The safety gate of every lab: only the documentation and benchmark ranges, links only
// between the lab's own hosts, sysctls only under the per-namespace net.* trees.
#include "lab/lab_spec.h"

#include <gtest/gtest.h>

namespace fwpath::lab {
namespace {

LabSpec two_hosts() {
  LabSpec s;
  s.hosts = {{"a", "left", {{"net.ipv4.ip_forward", "1"}}}, {"b", "right", {}}};
  s.links = {{"a", "eth0", "b", "eth0"}};
  s.addresses = {{"a", "eth0", "192.0.2.1/24"}, {"b", "eth0", "192.0.2.2/24"}};
  s.routes = {{"b", "default", "192.0.2.1"}, {"a", "198.18.0.0/15", "192.0.2.2"}};
  s.rulesets = {{"a", "x.nft", "", "table inet x { }"}};
  s.listeners = {{"b", model::L4::Udp, "192.0.2.2:51840", "gateway"}};
  return s;
}

std::string problem(const LabSpec& s) {
  auto r = validate_lab_spec(s);
  if (r) return "";
  EXPECT_EQ(r.error().kind, ErrorKind::BadInput);
  return r.error().message();
}

TEST(LabSpec, AValidSpecPasses) {
  EXPECT_EQ(problem(two_hosts()), "");
}

TEST(LabSpec, AddressesOnlyFromTheLabRanges) {
  for (const std::string cidr : {"10.0.0.1/8", "192.0.3.1/24", "198.20.0.1/16", "8.8.8.8/32", "203.0.114.1/24"}) {
    auto s = two_hosts();
    s.addresses[0].cidr = cidr;
    EXPECT_NE(problem(s).find("labs use only"), std::string::npos) << cidr;
  }
  for (const std::string cidr : {"192.0.2.254/24", "198.51.100.1/24", "203.0.113.9/24", "198.19.255.1/16"}) {
    auto s = two_hosts();
    s.addresses[0].cidr = cidr;
    EXPECT_EQ(problem(s), "") << cidr;
  }
}

TEST(LabSpec, RoutesStayInsideTheRanges) {
  auto s = two_hosts();
  s.routes[1].dst = "198.18.0.0/14";  // wider than 198.18.0.0/15
  EXPECT_NE(problem(s).find("destination outside"), std::string::npos);
  s = two_hosts();
  s.routes[0].via = "10.0.0.1";
  EXPECT_NE(problem(s).find("gateway"), std::string::npos);
}

TEST(LabSpec, LinksJoinTwoDifferentLabHosts) {
  auto s = two_hosts();
  s.links[0].b = "host";  // not a lab host: would be a link out of the lab
  EXPECT_NE(problem(s).find("names a host the lab does not have"), std::string::npos);
  s = two_hosts();
  s.links[0].b = "a";
  s.links[0].b_if = "eth1";
  EXPECT_NE(problem(s).find("same host"), std::string::npos);
  s = two_hosts();
  s.links[0].a_if = "a-very-long-name";
  EXPECT_NE(problem(s).find("interface names"), std::string::npos);
  s = two_hosts();
  s.links.push_back({"a", "eth0", "b", "eth1"});
  EXPECT_NE(problem(s).find("used twice"), std::string::npos);
}

TEST(LabSpec, AddressNeedsAnInterfaceOfTheLab) {
  auto s = two_hosts();
  s.addresses[0].ifname = "eth9";
  EXPECT_NE(problem(s).find("no such interface"), std::string::npos);
}

TEST(LabSpec, OnlyPerNamespaceSysctls) {
  EXPECT_TRUE(lab_sysctl_allowed("net.ipv4.ip_forward"));
  EXPECT_TRUE(lab_sysctl_allowed("net.ipv4.conf.eth-c.rp_filter"));
  EXPECT_TRUE(lab_sysctl_allowed("net.netfilter.nf_log_all_netns"));
  EXPECT_TRUE(lab_sysctl_allowed("net.ipv6.conf.all.forwarding"));
  for (const std::string key : {"kernel.panic", "vm.swappiness", "net.core.rmem_max", "net.ipv4.", "net.ipv4..x",
                                "net.ipv4.conf/../../kernel", "net.ipv4.conf.eth0 .x", "net.ipv4"}) {
    EXPECT_FALSE(lab_sysctl_allowed(key)) << key;
  }
  auto s = two_hosts();
  s.hosts[1].sysctls = {{"kernel.hostname", "x"}};
  EXPECT_NE(problem(s).find("only net.ipv4"), std::string::npos);
}

TEST(LabSpec, SysctlPath) {
  EXPECT_EQ(sysctl_path("net.ipv4.conf.all.rp_filter"), "/proc/sys/net/ipv4/conf/all/rp_filter");
  EXPECT_EQ(sysctl_path("net.ipv4.conf.eth-c.rp_filter"), "/proc/sys/net/ipv4/conf/eth-c/rp_filter");
}

TEST(LabSpec, PerInterfaceSysctlsNameTheirInterface) {
  EXPECT_EQ(sysctl_interface("net.ipv4.neigh.cni0.retrans_time_ms"), "cni0");
  EXPECT_EQ(sysctl_interface("net.ipv4.conf.eth-c.rp_filter"), "eth-c");
  EXPECT_EQ(sysctl_interface("net.ipv6.conf.eth0.forwarding"), "eth0");
  EXPECT_EQ(sysctl_interface("net.ipv6.neigh.eth0.mcast_solicit"), "eth0");
  for (const std::string key :
       {"net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter", "net.ipv4.neigh.default.gc_thresh1",
        "net.ipv4.ip_forward", "net.netfilter.nf_conntrack_udp_timeout", "net.ipv4.conf"}) {
    EXPECT_EQ(sysctl_interface(key), "") << key;
  }
  // Written after the interfaces exist: one the host does not have is a bad file.
  auto s = two_hosts();
  s.hosts[0].sysctls.emplace_back("net.ipv4.neigh.eth0.retrans_time_ms", "100");
  EXPECT_EQ(problem(s), "");
  s.hosts[0].sysctls.emplace_back("net.ipv4.neigh.cni0.retrans_time_ms", "100");
  EXPECT_NE(problem(s).find("names an interface the host does not have: 'cni0'"), std::string::npos) << problem(s);
  s = two_hosts();
  s.bridges = {{"a", "cni0", {"eth0"}}};
  s.hosts[0].sysctls.emplace_back("net.ipv4.neigh.cni0.retrans_time_ms", "100");
  EXPECT_EQ(problem(s), "");
}

TEST(LabSpec, HostsAndListeners) {
  auto s = two_hosts();
  s.hosts.push_back({"a", "again", {}});
  EXPECT_NE(problem(s).find("named twice"), std::string::npos);
  s = two_hosts();
  s.listeners[0].endpoint = "8.8.8.8:53";
  EXPECT_NE(problem(s).find("lab's ranges"), std::string::npos);
  s = two_hosts();
  s.listeners[0].proto = model::L4::Icmp;
  EXPECT_NE(problem(s).find("TCP or UDP"), std::string::npos);
  s = two_hosts();
  s.rulesets[0].host = "c";
  EXPECT_NE(problem(s).find("names a host"), std::string::npos);
}

TEST(LabSpec, Ipv4Prefix) {
  auto p = parse_ipv4_prefix("198.18.1.0/24");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->addr.str(), "198.18.1.0");
  EXPECT_EQ(p->len, 24);
  EXPECT_EQ(parse_ipv4_prefix("192.0.2.1")->len, 32);
  for (const std::string bad : {"192.0.2.1/33", "192.0.2.1/", "192.0.2.1/x", "2001:db8::1/64", "host/24"}) {
    EXPECT_FALSE(parse_ipv4_prefix(bad).ok()) << bad;
  }
  EXPECT_TRUE(in_lab_ranges(parse_ipv4_prefix("198.18.0.0/15").value()));
  EXPECT_FALSE(in_lab_ranges(parse_ipv4_prefix("198.16.0.0/12").value()));
  EXPECT_FALSE(in_lab_ranges(parse_ipv4_prefix("0.0.0.0/0").value()));
}

}  // namespace
}  // namespace fwpath::lab
