// Scenario files -> ScenarioSpec: the contract's full example parses into the lab it
// describes, and every kind of mistake is refused with the file, key path and line.
#include "scenario/scenario_parse.h"

#include <gtest/gtest.h>

#include <map>

#include "config/yaml_subset.h"

namespace fwpath::scenario {
namespace {

const char* kFull = R"(name: s02-host-firewall-policy-drop   # comment
title: Silent host-firewall drop of 6443
source: >-
  Liqo docs/installation/requirements.md ("Network firewalls");
  ufw default INPUT policy DROP
requires: [tc]
hosts:
  - name: consumer
    role: consumer node
    sysctls:
      net.ipv4.ip_forward: 1
  - name: router
    sysctls: {net.ipv4.ip_forward: 1, net.ipv4.conf.all.rp_filter: 0}
  - name: provider
links:
  - {a: consumer, a_if: eth0, b: router, b_if: eth-c}
  - {a: router, a_if: eth-p, b: provider, b_if: eth0, mtu: 1400}
  - {a: router, a_if: eth-x, b: provider, b_if: veth-a}
bridges:
  - {host: provider, name: cni0, ports: [veth-a]}
addresses:
  - {host: consumer, if: eth0, cidr: 192.0.2.10/24}
  - {host: provider, if: cni0, cidr: 198.18.1.1/24}
routes:
  - {host: consumer, dst: default, via: 192.0.2.1}
  - {host: router, dst: 198.18.5.0/24, type: unreachable}
rulesets:
  - host: provider
    file: s02/provider-filter.nft
  - host: provider
    file: s02/docker.save
    format: iptables-save
tc:
  - {host: provider, dev: eth0, ingress_drop: {proto: udp, dport: 30742}}
listeners:
  - {host: provider, proto: tcp, at: 198.51.100.20:6443, role: API server}
  - {host: provider, proto: wireguard, at: 198.18.1.1:51840, role: gateway}
probes:
  - name: api-server
    from: consumer
    trace: [router, provider]
    tcp: 198.51.100.20:6443
    expect:
      outcome: dropped
      netns: provider
      hook: input
      verdict: policy drop
      rule: "policy"
      chain: input
      table: filter
      drop_reason: NETFILTER_DROP
      icmp: {type: 3, code: 13}
      reply: false
      rewrites:
        - {field: daddr, before: 198.51.100.20, after: 198.18.1.5, netns: provider}
        - {field: sport, before: "40000", after: "*"}
      no_hop_in: [{netns: provider, hook: input}]
      hop_in: [{netns: provider, hook: forward}]
      iptables_legacy: true
      errno: EHOSTUNREACH
      reply_netns: consumer
      reply_hook: prerouting
      reply_verdict: drop
      reply_rule: fib saddr
      reply_chain: filter_PREROUTING
      reply_table: firewalld
      reply_hop_in: [{netns: consumer, hook: prerouting}]
      reply_no_hop_in: [{netns: consumer, hook: input}]
  - name: gateway
    from: consumer
    udp: 198.51.100.20:30742
    udp_payload: 1472
    df: true
)";

std::map<std::string, std::string> g_files = {{"s02/provider-filter.nft", "table inet filter {}\n"},
                                              {"s02/docker.save", "*filter\nCOMMIT\n"}};

Result<std::string> fake_read(const std::string& rel) {
  auto it = g_files.find(rel);
  if (it == g_files.end()) return sys_error("read", rel, ENOENT);
  return it->second;
}

Result<ScenarioSpec> parse(const std::string& text) {
  return parse_scenario(text, "t.yaml", fake_read);
}

// The error message of parsing `text`, which must fail as BadInput.
std::string error_of(const std::string& text) {
  auto r = parse(text);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.error().kind, ErrorKind::BadInput);
  return r.error().message();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ScenarioParse, FullExampleBecomesTheLabItDescribes) {
  auto r = parse(kFull);
  ASSERT_TRUE(r.ok()) << r.error().message();
  const ScenarioSpec& s = r.value();
  EXPECT_EQ(s.name, "s02-host-firewall-policy-drop");
  EXPECT_EQ(s.source, "Liqo docs/installation/requirements.md (\"Network firewalls\"); ufw default INPUT policy DROP");
  EXPECT_EQ(s.requires_features, std::vector<std::string>{"tc"});
  ASSERT_EQ(s.lab.hosts.size(), 3U);
  EXPECT_EQ(s.lab.hosts[0].role, "consumer node");
  ASSERT_EQ(s.lab.hosts[1].sysctls.size(), 2U);
  EXPECT_EQ(s.lab.hosts[1].sysctls[1].first, "net.ipv4.conf.all.rp_filter");
  EXPECT_EQ(s.lab.hosts[1].sysctls[1].second, "0");
  ASSERT_EQ(s.lab.links.size(), 3U);
  EXPECT_EQ(s.lab.links[1].mtu, 1400U);
  EXPECT_EQ(s.lab.links[0].mtu, 0U);
  ASSERT_EQ(s.lab.bridges.size(), 1U);
  EXPECT_EQ(s.lab.bridges[0].ports, std::vector<std::string>{"veth-a"});
  ASSERT_EQ(s.lab.routes.size(), 2U);
  EXPECT_EQ(s.lab.routes[1].type, lab::RouteType::Unreachable);
  ASSERT_EQ(s.lab.rulesets.size(), 2U);
  EXPECT_EQ(s.lab.rulesets[0].format, "nft");
  EXPECT_EQ(s.lab.rulesets[0].text, "table inet filter {}\n");
  EXPECT_EQ(s.lab.rulesets[1].format, "iptables-save");
  ASSERT_EQ(s.lab.tc.size(), 1U);
  EXPECT_EQ(s.lab.tc[0].dport, 30742);
  EXPECT_EQ(s.lab.tc[0].proto, model::L4::Udp);
  ASSERT_EQ(s.lab.listeners.size(), 2U);
  EXPECT_FALSE(s.lab.listeners[0].wireguard);
  EXPECT_TRUE(s.lab.listeners[1].wireguard);
  EXPECT_EQ(s.lab.listeners[1].proto, model::L4::Udp);
  ASSERT_EQ(s.probes.size(), 2U);
  const auto& p = s.probes[0];
  EXPECT_EQ(p.trace, (std::vector<std::string>{"router", "provider"}));
  EXPECT_EQ(p.proto, model::L4::Tcp);
  EXPECT_EQ(p.target, "198.51.100.20:6443");
  const auto& e = p.expect;
  EXPECT_EQ(e.outcome, "dropped");
  EXPECT_EQ(e.request.verdict, "policy drop");
  EXPECT_EQ(e.request.rule, "policy");
  EXPECT_EQ(e.drop_reason, "NETFILTER_DROP");
  ASSERT_TRUE(e.icmp.has_value());
  EXPECT_EQ(e.icmp->type, 3U);
  EXPECT_EQ(e.icmp->code, 13U);
  EXPECT_EQ(e.reply, false);
  ASSERT_EQ(e.rewrites.size(), 2U);
  EXPECT_EQ(e.rewrites[0].netns, "provider");
  EXPECT_EQ(e.rewrites[1].after, "*");
  ASSERT_EQ(e.request.no_hop_in.size(), 1U);
  EXPECT_EQ(e.request.no_hop_in[0].hook, "input");
  ASSERT_EQ(e.request.hop_in.size(), 1U);
  EXPECT_EQ(e.request.hop_in[0].hook, "forward");
  EXPECT_EQ(e.iptables_legacy, true);
  EXPECT_EQ(e.errno_name, "EHOSTUNREACH");
  EXPECT_EQ(e.reply_path.netns, "consumer");
  EXPECT_EQ(e.reply_path.hook, "prerouting");
  EXPECT_EQ(e.reply_path.verdict, "drop");
  EXPECT_EQ(e.reply_path.rule, "fib saddr");
  EXPECT_EQ(e.reply_path.chain, "filter_PREROUTING");
  EXPECT_EQ(e.reply_path.table, "firewalld");
  ASSERT_EQ(e.reply_path.hop_in.size(), 1U);
  EXPECT_EQ(e.reply_path.hop_in[0].netns, "consumer");
  ASSERT_EQ(e.reply_path.no_hop_in.size(), 1U);
  EXPECT_EQ(e.reply_path.no_hop_in[0].hook, "input");
  // The request's keys stay apart from the reply's.
  EXPECT_EQ(e.request.netns, "provider");
  EXPECT_EQ(e.request.hop_in[0].netns, "provider");
  EXPECT_EQ(s.probes[1].proto, model::L4::Udp);
  EXPECT_EQ(s.probes[1].udp_payload, 1472U);
  EXPECT_EQ(s.probes[1].df, true);
  EXPECT_FALSE(s.probes[1].expect.outcome.has_value());
}

TEST(ScenarioParse, UnknownKeysAreRefusedWithPathAndLine) {
  EXPECT_EQ(error_of(replaced(kFull, "      outcome: dropped", "      outcom: dropped")),
            "t.yaml line 44: probes[0].expect.outcom: unknown key");
  EXPECT_EQ(error_of(replaced(kFull, "title:", "titel: x\ntitle:")), "t.yaml line 2: titel: unknown key");
  EXPECT_EQ(error_of(replaced(kFull, "ingress_drop: {proto: udp,", "ingress_drop: {protocol: udp, proto: udp,")),
            "t.yaml line 34: tc[0].ingress_drop.protocol: unknown key");
  EXPECT_EQ(error_of(replaced(kFull, "{netns: provider, hook: input}", "{netns: provider, hook: input, x: 1}")),
            "t.yaml line 57: probes[0].expect.no_hop_in[0].x: unknown key");
}

TEST(ScenarioParse, WrongTypesAreRefused) {
  EXPECT_EQ(error_of(replaced(kFull, "trace: [router, provider]", "trace: router")),
            "t.yaml line 41: probes[0].trace: expected a list, got a value");
  EXPECT_EQ(error_of(replaced(kFull, "mtu: 1400", "mtu: big")),
            "t.yaml line 17: links[1].mtu: expected a whole number 0..65535, got 'big'");
  EXPECT_EQ(error_of(replaced(kFull, "reply: false", "reply: no")),
            "t.yaml line 53: probes[0].expect.reply: expected true or false, got 'no'");
  EXPECT_NE(error_of(replaced(kFull, "outcome: dropped", "outcome: vanished")).find("probes[0].expect.outcome"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "hook: input\n      verdict", "hook: inbound\n      verdict")).find("not a hook"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "type: unreachable", "type: sideways")).find("routes[1].type"), std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "format: iptables-save", "format: pf")).find("rulesets[1].format"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "proto: wireguard", "proto: sctp")).find("listeners[1].proto"), std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "requires: [tc]", "requires: [tc, quantum]")).find("unknown feature 'quantum'"),
            std::string::npos);
}

TEST(ScenarioParse, ErrnoAndReplyKeysAreChecked) {
  EXPECT_EQ(error_of(replaced(kFull, "errno: EHOSTUNREACH", "errno: EFOO")),
            "t.yaml line 60: probes[0].expect.errno: expected an errno name (EPERM, EHOSTUNREACH, ECONNREFUSED, ...) "
            "or none, got 'EFOO'");
  EXPECT_TRUE(parse(replaced(kFull, "errno: EHOSTUNREACH", "errno: none")).ok());
  EXPECT_TRUE(parse(replaced(kFull, "errno: EHOSTUNREACH", "errno: EPERM")).ok());
  EXPECT_EQ(error_of(replaced(kFull, "reply_hook: prerouting", "reply_hook: inbound")),
            "t.yaml line 62: probes[0].expect.reply_hook: not a hook: 'inbound'");
  EXPECT_EQ(error_of(replaced(kFull, "reply_hop_in: [{netns: consumer, hook: prerouting}]",
                              "reply_hop_in: [{netns: consumer, hook: prerouting, x: 1}]")),
            "t.yaml line 67: probes[0].expect.reply_hop_in[0].x: unknown key");
  EXPECT_EQ(error_of(replaced(kFull, "reply_chain: filter_PREROUTING", "reply_chian: filter_PREROUTING")),
            "t.yaml line 65: probes[0].expect.reply_chian: unknown key");
}

TEST(ScenarioParse, MissingRequiredKeysAreRefused) {
  EXPECT_EQ(error_of(replaced(kFull, "title: Silent host-firewall drop of 6443\n", "")),
            "t.yaml line 1: title: required key missing");
  EXPECT_NE(
      error_of(replaced(kFull, "    from: consumer\n    trace", "    trace")).find("probes[0].from: required key"),
      std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "    tcp: 198.51.100.20:6443\n", "")).find("exactly one of tcp: or udp:"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "dst: default, via: 192.0.2.1", "dst: default")).find("routes[0].via"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "icmp: {type: 3, code: 13}", "icmp: {type: 3}")).find("needs both type and code"),
            std::string::npos);
}

TEST(ScenarioParse, LabRulesAreEnforced) {
  // Outside the documentation ranges: refused before anything is built.
  EXPECT_NE(error_of(replaced(kFull, "cidr: 192.0.2.10/24", "cidr: 10.0.0.10/24")).find("t.yaml: address 10.0.0.10/24"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "tcp: 198.51.100.20:6443\n", "tcp: 8.8.8.8:53\n")).find("probes[0].tcp"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "name: provider\n", "name: provider-node\n")).find("1..10"), std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "trace: [router, provider]", "trace: [router, nowhere]")).find("no such host"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "net.ipv4.ip_forward: 1\n  - name: router", "kernel.panic: 1\n  - name: router"))
                .find("only net.ipv4"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "ports: [veth-a]", "ports: [veth-z]")).find("not a link end"), std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "type: unreachable", "type: blackhole, via: 192.0.2.1")).find("no gateway"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "dev: eth0", "dev: eth9")).find("no such interface"), std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "- name: gateway", "- name: api-server")).find("probe named twice"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kFull, "name: s02-host", "name: S02-host")).find("[a-z0-9-]"), std::string::npos);
}

TEST(ScenarioParse, UnreadableRulesetNamesTheKey) {
  const std::string msg = error_of(replaced(kFull, "file: s02/docker.save", "file: s02/missing.save"));
  EXPECT_NE(msg.find("t.yaml line 31: rulesets[1].file"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST(ScenarioParse, YamlOutsideTheSubsetIsRefused) {
  EXPECT_NE(error_of("name: x\ntitle: y\nhosts: [{name: a}\n").find("line 3"), std::string::npos);
  EXPECT_NE(error_of("- a\n- b\n").find("a scenario file is a mapping"), std::string::npos);
}

TEST(YamlSubsetFlow, NestedFlowCollectionsAndLines) {
  auto r = config::parse_yaml_subset("a: {b: [1, \"x, y\"], c: {d: e}}\nl:\n  - [p, q]\n", "f");
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto* a = r->get("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind, config::YamlNode::Kind::Map);
  ASSERT_EQ(a->get("b")->seq.size(), 2U);
  EXPECT_EQ(a->get("b")->seq[1].scalar, "x, y");
  EXPECT_EQ(a->get("c")->str("d"), "e");
  const auto* l = r->get("l");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->seq.size(), 1U);
  EXPECT_EQ(l->seq[0].seq.size(), 2U);
  EXPECT_EQ(l->line, 3);
  EXPECT_EQ(a->line, 1);
}

TEST(YamlSubsetFlow, BlockScalarsKeepTheirText) {
  auto r = config::parse_yaml_subset("f: >-\n  one\n  two\nl: |\n  x\n  y\nz: 1\n", "f");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->str("f"), "one two");
  EXPECT_EQ(r->str("l"), "x\ny");
  EXPECT_EQ(r->str("z"), "1");
}

}  // namespace
}  // namespace fwpath::scenario
