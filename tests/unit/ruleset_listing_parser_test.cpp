// parse_listing() on real `nft -a list ruleset` output: the files in tests/data were
// produced by nft 1.0.6 on kernel 6.18 in a private network namespace (kube-proxy's
// nftables mode, a firewalld-style inet table, iptables-nft generated tables, assorted
// families), plus one hand-written file with the xt notations of other nft builds.
#include <gtest/gtest.h>

#include <climits>
#include <fstream>
#include <sstream>
#include <string>

#include "ruleset/listing_parser.h"

namespace fwpath::ruleset {
namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(FWPATH_TEST_DATA) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Ruleset parse_file(const std::string& name) {
  auto r = parse_listing(read_data(name));
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? std::move(r).value() : Ruleset{};
}

std::string rule_text(const Ruleset& rs, const std::string& family, const std::string& table, const std::string& chain,
                      uint64_t handle) {
  const Rule* r = rs.find_rule(family, table, chain, handle);
  return r != nullptr ? r->text : "<missing>";
}

TEST(RulesetListingParser, KubeProxyNftables) {
  const Ruleset rs = parse_file("nft_list_kube_proxy.txt");
  EXPECT_EQ(rs.chains().size(), 25U);
  EXPECT_EQ(rs.rules().size(), 41U);

  EXPECT_EQ(rule_text(rs, "ip", "kube-proxy", "cluster-ips-check", 44),
            "ip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of ClusterIPs\"");
  EXPECT_EQ(rule_text(rs, "ip", "kube-proxy", "service-FY5PMXPG-kube-system/kube-dns/udp/dns", 62),
            "numgen random mod 2 vmap { 0 : goto endpoint-IZSQ3GIA-kube-system/kube-dns/udp/dns__10.244.0.2/53, "
            "1 : goto endpoint-6SKH3ZKE-kube-system/kube-dns/udp/dns__10.244.0.3/53 }");
  EXPECT_EQ(rule_text(rs, "ip", "kube-proxy", "services", 53), "ip daddr . meta l4proto . th dport vmap @service-ips");

  // Sets and maps, with their multi-line element lists, are not chains.
  EXPECT_EQ(rs.find_chain("ip", "kube-proxy", "cluster-ips"), nullptr);
  EXPECT_EQ(rs.find_chain("ip", "kube-proxy", "service-ips"), nullptr);

  const Chain* pre = rs.find_chain("ip", "kube-proxy", "filter-prerouting");
  ASSERT_NE(pre, nullptr);
  EXPECT_EQ(pre->handle, 1U);
  ASSERT_TRUE(pre->base.has_value());
  EXPECT_EQ(pre->base->type, "filter");
  EXPECT_EQ(pre->base->hook, "prerouting");
  EXPECT_EQ(pre->base->priority_text, "dstnat - 10");
  EXPECT_EQ(pre->base->priority, -110);
  EXPECT_EQ(pre->base->policy, "accept");
  EXPECT_EQ(pre->rules, (std::vector<uint64_t>{31}));

  const Chain* post = rs.find_chain("ip", "kube-proxy", "nat-postrouting");
  ASSERT_NE(post, nullptr);
  ASSERT_TRUE(post->base.has_value());
  EXPECT_EQ(post->base->type, "nat");
  EXPECT_EQ(post->base->priority, 100);

  const Chain* reject = rs.find_chain("ip", "kube-proxy", "reject-chain");
  ASSERT_NE(reject, nullptr);
  EXPECT_FALSE(reject->base.has_value());
  EXPECT_EQ(reject->comment, "helper for @no-endpoint-services / @no-endpoint-nodeports");
  EXPECT_EQ(rule_text(rs, "ip", "kube-proxy", "reject-chain", 43), "reject");

  const Chain* endpoint = rs.find_chain("ip", "kube-proxy", "endpoint-5TPGNJF2-demo/web/tcp/http__10.244.1.5/8080");
  ASSERT_NE(endpoint, nullptr);
  EXPECT_EQ(endpoint->rules, (std::vector<uint64_t>{75, 76}));
  EXPECT_EQ(rs.find_rule("ip", "kube-proxy", "endpoint-5TPGNJF2-demo/web/tcp/http__10.244.1.5/8080", 76)->position, 2U);
}

TEST(RulesetListingParser, FirewalldInetTable) {
  const Ruleset rs = parse_file("nft_list_firewalld.txt");
  EXPECT_EQ(rs.chains().size(), 33U);
  EXPECT_EQ(rs.rules().size(), 64U);

  // Quotes, '#', ';' and braces inside a comment belong to the rule text.
  EXPECT_EQ(rule_text(rs, "inet", "firewalld", "filter_IN_public_allow", 104),
            "tcp dport 9090 ct state new,untracked accept comment \"cockpit; see man firewalld.zone # {web} }\"");
  // ...and do not unbalance what follows.
  EXPECT_EQ(rule_text(rs, "inet", "firewalld", "filter_FWD_public_allow", 106), "oifname \"lo\" accept");

  EXPECT_EQ(rule_text(rs, "inet", "firewalld", "filter_INPUT", 59),
            "ct state invalid counter name \"invalid-drops\" drop");
  EXPECT_EQ(rs.find_rule("inet", "firewalld", "filter_INPUT", 59)->position, 4U);
  EXPECT_EQ(rule_text(rs, "inet", "firewalld", "nat_PRE_public", 50),
            "meta nfproto ipv4 tcp dport 8080 dnat ip to 192.0.2.20:80 comment \"forward-port web\"");

  struct Want {
    const char* chain;
    const char* text;
    int32_t value;
  };
  for (const Want& w : {Want{"mangle_PREROUTING", "mangle + 10", -140}, Want{"nat_PREROUTING", "dstnat + 10", -90},
                        Want{"nat_POSTROUTING", "srcnat + 10", 110}, Want{"filter_INPUT", "filter + 10", 10}}) {
    const Chain* c = rs.find_chain("inet", "firewalld", w.chain);
    ASSERT_NE(c, nullptr) << w.chain;
    ASSERT_TRUE(c->base.has_value()) << w.chain;
    EXPECT_EQ(c->base->priority_text, w.text);
    EXPECT_EQ(c->base->priority, w.value) << w.chain;
  }
  // Empty regular chains are chains too.
  const Chain* empty = rs.find_chain("inet", "firewalld", "filter_IN_public_post");
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(empty->rules.empty());
  // The ct helper and the named counter are objects, not chains.
  EXPECT_EQ(rs.find_chain("inet", "firewalld", "helper-tftp-udp"), nullptr);
  EXPECT_EQ(rs.find_chain("inet", "firewalld", "invalid-drops"), nullptr);
}

TEST(RulesetListingParser, IptablesNftTables) {
  const Ruleset rs = parse_file("nft_list_iptables_nft.txt");
  EXPECT_EQ(rs.chains().size(), 8U);
  EXPECT_EQ(rs.rules().size(), 19U);
  // nft's spacing is kept as printed (the double space where the comment match was).
  EXPECT_EQ(rule_text(rs, "ip", "filter", "KUBE-FIREWALL", 2),
            "ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8  ct status dnat counter packets 0 bytes 0 drop");
  EXPECT_EQ(rule_text(rs, "ip", "filter", "INPUT", 8),
            "udp dport 40001 xt match recent counter packets 0 bytes 0 accept");
  EXPECT_EQ(rule_text(rs, "ip", "raw", "PREROUTING", 3),
            "udp dport 40003 counter packets 0 bytes 0 meta nftrace set 1");
  // Same table and chain names in two families are two chains.
  EXPECT_EQ(rule_text(rs, "ip6", "filter", "INPUT", 3), "tcp dport 22  counter packets 0 bytes 0 accept");
  EXPECT_EQ(rule_text(rs, "ip", "filter", "INPUT", 3), "<missing>");
  const Chain* fwd = rs.find_chain("ip", "filter", "FORWARD");
  ASSERT_NE(fwd, nullptr);
  ASSERT_TRUE(fwd->base.has_value());
  EXPECT_EQ(fwd->base->policy, "drop");
  EXPECT_EQ(fwd->base->priority, 0);
  EXPECT_EQ(rs.find_chain("ip", "raw", "PREROUTING")->base->priority, -300);
}

TEST(RulesetListingParser, XtNotationsAndHandleLookalikes) {
  const Ruleset rs = parse_file("nft_list_iptables_nft_xt_comments.txt");
  EXPECT_EQ(rs.rules().size(), 9U);
  EXPECT_EQ(rule_text(rs, "ip", "filter", "INPUT", 6),
            "meta l4proto udp udp dport 40001 xt match \"recent\" counter packets 2 bytes 58 accept");
  EXPECT_EQ(rule_text(rs, "ip", "filter", "INPUT", 7),
            "meta l4proto tcp tcp dport 8443 counter packets 0 bytes 0 drop # xt_hashlimit");
  EXPECT_EQ(rule_text(rs, "ip", "filter", "INPUT", 8),
            "meta l4proto tcp tcp dport 22 counter packets 5 bytes 300 accept comment \"ssh # handle 99\"");
  EXPECT_EQ(rs.find_rule("ip", "filter", "INPUT", 99), nullptr);
  EXPECT_EQ(rule_text(rs, "ip", "filter", "INPUT", 9), "counter packets 40 bytes 2400 xt target \"LOG\"");
  EXPECT_EQ(rs.find_chain("ip", "filter", "INPUT")->rules, (std::vector<uint64_t>{4, 5, 6, 7, 8, 9, 10}));
}

TEST(RulesetListingParser, OtherFamiliesAndPriorities) {
  const Ruleset rs = parse_file("nft_list_misc.txt");
  const Chain* ingress = rs.find_chain("netdev", "edge", "ingress-lo");
  ASSERT_NE(ingress, nullptr);
  ASSERT_TRUE(ingress->base.has_value());
  EXPECT_EQ(ingress->base->hook, "ingress");
  EXPECT_EQ(ingress->base->device, "lo");
  EXPECT_EQ(ingress->base->priority, -500);
  EXPECT_EQ(rule_text(rs, "netdev", "edge", "ingress-lo", 2),
            "meta protocol ip udp dport 40009 counter packets 0 bytes 0 drop comment \"edge drop\"");

  EXPECT_EQ(rs.find_chain("bridge", "br", "fwd_chain")->base->priority, -205);  // bridge filter is -200
  EXPECT_EQ(rs.find_chain("bridge", "br", "fwd_chain")->base->policy, "drop");
  EXPECT_EQ(rs.find_chain("bridge", "br", "out_chain")->base->priority, 100);
  EXPECT_EQ(rs.find_chain("arp", "a", "in_chain")->base->priority, 0);

  const Chain* raw = rs.find_chain("ip6", "t6", "raw_chain");
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->comment, "a chain comment");
  ASSERT_TRUE(raw->base.has_value());
  EXPECT_EQ(raw->base->priority, -310);
  EXPECT_EQ(rs.find_chain("ip6", "t6", "sec")->base->priority, 50);
  EXPECT_FALSE(rs.find_chain("ip6", "t6", "user")->base.has_value());

  // The parser keeps every table; the snapshot is what leaves the tracer's out.
  const Chain* tracer = rs.find_chain("inet", "fwpath_4242_0", "prerouting");
  ASSERT_NE(tracer, nullptr);
  EXPECT_EQ(tracer->base->priority, INT32_MIN);
}

TEST(RulesetListingParser, RulesSpanningLinesAreJoined) {
  const char* text =
      "table inet t { # handle 1\n"
      "\tchain c { # handle 1\n"
      "\t\ttype filter hook input priority filter; policy accept;\n"
      "\t\tip saddr { 192.0.2.1,\n"
      "\t\t\t    192.0.2.2 } drop # handle 2\n"
      "\t\tudp dport 53 accept # handle 3\n"
      "\t}\n"
      "}\n";
  auto rs = parse_listing(text);
  ASSERT_TRUE(rs.ok()) << rs.error().message();
  EXPECT_EQ(rule_text(*rs, "inet", "t", "c", 2), "ip saddr { 192.0.2.1,\n192.0.2.2 } drop");
  EXPECT_EQ(rule_text(*rs, "inet", "t", "c", 3), "udp dport 53 accept");
}

TEST(RulesetListingParser, OwnedTablesShowTheirOwner) {
  // nft prints the owning process after the handle of a table made with
  // NFT_TABLE_F_OWNER (what the tracer's tables are).
  const char* text =
      "table inet fwpath_15230_0 { # handle 2 progname fwpath\n"
      "\tflags owner\n"
      "\n"
      "\tchain input { # handle 2\n"
      "\t\ttype filter hook input priority -2147483648; policy accept;\n"
      "\t\tudp dport 40001 meta nftrace set 1 # handle 14\n"
      "\t}\n"
      "}\n";
  auto rs = parse_listing(text);
  ASSERT_TRUE(rs.ok()) << rs.error().message();
  EXPECT_EQ(rule_text(*rs, "inet", "fwpath_15230_0", "input", 14), "udp dport 40001 meta nftrace set 1");
  EXPECT_EQ(rs->find_chain("inet", "fwpath_15230_0", "input")->handle, 2U);
}

TEST(RulesetListingParser, EmptyListingIsAnEmptyRuleset) {
  auto rs = parse_listing("");
  ASSERT_TRUE(rs.ok());
  EXPECT_TRUE(rs->empty());
}

TEST(RulesetListingParser, ListingWithoutHandlesIsRefused) {
  auto rs = parse_listing(
      "table inet t {\n\tchain c {\n\t\ttype filter hook input priority 0; policy accept;\n"
      "\t\tudp dport 53 accept\n\t}\n}\n");
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().kind, ErrorKind::BadInput);
  EXPECT_NE(rs.error().message().find("line 4"), std::string::npos) << rs.error().message();
  EXPECT_NE(rs.error().message().find("nft -a"), std::string::npos) << rs.error().message();
}

TEST(RulesetListingParser, MalformedListingsAreRefused) {
  EXPECT_FALSE(parse_listing("hello world\n").ok());
  EXPECT_FALSE(parse_listing("table inet t { # handle 1\n\tchain c { # handle 1\n").ok());
  EXPECT_FALSE(parse_listing("table inet { # handle 1\n}\n").ok());
  EXPECT_FALSE(parse_listing("table inet t { # handle 1\n\tchain c { # handle 1\n\t\ttype filter hook input; "
                             "policy accept;\n\t}\n}\n")
                   .ok());
}

TEST(RulesetPriority, NamedAndNumeric) {
  EXPECT_EQ(named_priority("inet", "raw"), -300);
  EXPECT_EQ(named_priority("ip", "mangle"), -150);
  EXPECT_EQ(named_priority("ip6", "dstnat"), -100);
  EXPECT_EQ(named_priority("netdev", "filter"), 0);
  EXPECT_EQ(named_priority("inet", "security"), 50);
  EXPECT_EQ(named_priority("ip", "srcnat"), 100);
  EXPECT_EQ(named_priority("bridge", "dstnat"), -300);
  EXPECT_EQ(named_priority("bridge", "srcnat"), 300);
  EXPECT_FALSE(named_priority("ip", "out").has_value());
  EXPECT_EQ(priority_value("ip", "-2147483648"), INT32_MIN);
  EXPECT_EQ(priority_value("ip", "2147483647"), INT32_MAX);
  EXPECT_FALSE(priority_value("ip", "2147483648").has_value());
  EXPECT_EQ(priority_value("inet", "filter - 5"), -5);
  EXPECT_FALSE(priority_value("inet", "bogus + 1").has_value());
  EXPECT_FALSE(priority_value("inet", "filter + x").has_value());
  EXPECT_FALSE(priority_value("inet", "").has_value());
}

}  // namespace
}  // namespace fwpath::ruleset
