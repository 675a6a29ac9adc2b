// fwpath audit's command line and requirements: everything wrong is BadInput (exit 2)
// before anything is created.
#include "cli/audit_options.h"

#include <gtest/gtest.h>

#include "audit/requirement.h"

namespace fwpath {
namespace {

using audit::parse_requirement;
using audit::parse_requirements;
using cli::parse_audit_options;

TEST(AuditRequirement, ParsesTcpAndUdp) {
  auto tcp = parse_requirement("tcp:6443");
  ASSERT_TRUE(tcp.ok()) << tcp.error().message();
  EXPECT_EQ(tcp->proto, model::L4::Tcp);
  EXPECT_EQ(tcp->port, 6443);
  EXPECT_EQ(tcp->str(), "tcp:6443");
  auto udp = parse_requirement("udp:51840");
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp->proto, model::L4::Udp);
  EXPECT_EQ(udp->port, 51840);
}

TEST(AuditRequirement, RefusesMalformedText) {
  for (const char* bad : {"", "tcp", "tcp:", "tcp:0", "tcp:65536", "tcp:12a", "sctp:80", "TCP:80", "tcp:-1",
                          "tcp:100000", ":80", "tcp:80:1", "icmp:1"}) {
    auto r = parse_requirement(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::BadInput) << bad;
    EXPECT_NE(r.error().message().find(std::string("'") + bad + "'"), std::string::npos) << r.error().message();
  }
}

TEST(AuditRequirement, DropsDuplicatesKeepsOrderAndNeedsOne) {
  auto r = parse_requirements({"udp:51840", "tcp:6443", "udp:51840", "tcp:51840"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3U);
  EXPECT_EQ((*r)[0].str(), "udp:51840");
  EXPECT_EQ((*r)[1].str(), "tcp:6443");
  EXPECT_EQ((*r)[2].str(), "tcp:51840");
  EXPECT_FALSE(parse_requirements({}).ok());
}

cli::Args audit_args(std::vector<std::string> extra) {
  cli::Args a = {"audit", "--ruleset", "node.nft", "--role", "consumer", "--require", "tcp:6443"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(AuditOptions, DefaultsAndEveryOption) {
  auto d = parse_audit_options(audit_args({}));
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->ruleset, "node.nft");
  EXPECT_EQ(d->format, lab::RulesetFormat::Nft);
  EXPECT_EQ(d->setup.role, audit::Role::Consumer);
  EXPECT_EQ(d->setup.iface, "eth0");
  EXPECT_EQ(d->setup.node_ip, "192.0.2.10");
  EXPECT_EQ(d->setup.peer_ip, "198.51.100.20");
  EXPECT_TRUE(d->junit.empty());
  EXPECT_FALSE(d->json);

  auto all = parse_audit_options({"audit",     "--ruleset",  "r.rules",   "--format",  "iptables-legacy-save",
                                  "--role",    "provider",   "--require", "tcp:6443",  "--require",
                                  "udp:51840", "--iface",    "ens3",      "--node-ip", "203.0.113.5",
                                  "--peer",    "198.18.7.9", "--junit",   "out.xml",   "--json"});
  ASSERT_TRUE(all.ok()) << all.error().message();
  EXPECT_EQ(all->format, lab::RulesetFormat::IptablesLegacySave);
  EXPECT_EQ(all->setup.role, audit::Role::Provider);
  ASSERT_EQ(all->setup.requirements.size(), 2U);
  EXPECT_EQ(all->setup.requirements[1].str(), "udp:51840");
  EXPECT_EQ(all->setup.iface, "ens3");
  EXPECT_EQ(all->setup.node_ip, "203.0.113.5");
  EXPECT_EQ(all->setup.peer_ip, "198.18.7.9");
  EXPECT_EQ(all->junit, "out.xml");
  EXPECT_TRUE(all->json);
}

TEST(AuditOptions, HelpNeedsNothingElse) {
  auto h = parse_audit_options({"audit", "--help"});
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->help);
}

TEST(AuditOptions, EveryMistakeIsBadInputNamingIt) {
  const std::vector<std::pair<cli::Args, std::string>> cases = {
      {{"audit", "--role", "consumer", "--require", "tcp:1"}, "--ruleset"},
      {{"audit", "--ruleset", "f", "--require", "tcp:1"}, "--role"},
      {{"audit", "--ruleset", "f", "--role", "consumer"}, "--require"},
      {audit_args({"--role", "both"}), ""},  // given twice: Boost's own message
      {{"audit", "--ruleset", "f", "--role", "observer", "--require", "tcp:1"}, "observer"},
      {audit_args({"--require", "tcp:x"}), "tcp:x"},
      {audit_args({"--format", "pf"}), "pf"},
      {audit_args({"--iface", "a/b"}), "--iface"},
      {audit_args({"--iface", "sixteen-chars-xx"}), "--iface"},
      {audit_args({"--node-ip", "10.0.0.1"}), "outside the lab's ranges"},
      {audit_args({"--peer", "2001:db8::1"}), "--peer"},
      {audit_args({"--peer", "192.0.2.99"}), "share a /24"},
      {audit_args({"--node-ip", "192.0.2.255"}), "broadcast"},
      {audit_args({"--junit"}), "junit"},
      {audit_args({"--bogus"}), "bogus"},
  };
  for (const auto& [args, needle] : cases) {
    auto r = parse_audit_options(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    ASSERT_FALSE(r.ok()) << joined;
    EXPECT_EQ(r.error().kind, ErrorKind::BadInput) << joined;
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << joined << " -> " << r.error().message();
  }
}

}  // namespace
}  // namespace fwpath
