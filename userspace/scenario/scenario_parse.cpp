#include "scenario/scenario_parse.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/yaml_subset.h"
#include "lab/lab_names.h"
#include "model/events.h"

namespace fwpath::scenario {

namespace {

using config::YamlNode;
using Kind = YamlNode::Kind;

constexpr size_t kMaxHostName = 10;

// Where errors point: the file, and the key path of the node being read.
struct Ctx {
  std::string file;
};

Error at(const Ctx& c, const YamlNode& n, const std::string& path, const std::string& why) {
  std::string where = c.file;
  if (n.line > 0) where += " line " + std::to_string(n.line);
  return input_error(where + ": " + path + ": " + why);
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Null: return "nothing";
    case Kind::Scalar: return "a value";
    case Kind::Map: return "a mapping";
    case Kind::Seq: return "a list";
  }
  return "nothing";
}

Status expect_kind(const Ctx& c, const YamlNode& n, const std::string& path, Kind want) {
  if (n.kind == want) return {};
  return at(c, n, path, std::string("expected ") + kind_name(want) + ", got " + kind_name(n.kind));
}

std::string child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string item(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// A mapping read key by key; finish() refuses the keys nobody asked for.
class MapReader {
 public:
  MapReader(const Ctx& c, const YamlNode& n, std::string path) : c_(c), n_(n), path_(std::move(path)) {}

  [[nodiscard]] const YamlNode* find(const std::string& key) {
    known_.insert(key);
    return n_.get(key);
  }

  Result<std::optional<std::string>> opt_str(const std::string& key) {
    const YamlNode* v = find(key);
    if (v == nullptr) return std::optional<std::string>{};
    FWPATH_TRY(expect_kind(c_, *v, child(path_, key), Kind::Scalar));
    return std::optional<std::string>{v->scalar};
  }

  Result<std::string> str(const std::string& key) {
    auto v = opt_str(key);
    if (!v) return v.take_error();
    if (!v.value() || v.value()->empty()) return at(c_, n_, child(path_, key), "required key missing");
    return *v.value();
  }

  Result<std::optional<uint64_t>> opt_uint(const std::string& key, uint64_t max) {
    auto v = opt_str(key);
    if (!v) return v.take_error();
    if (!v.value()) return std::optional<uint64_t>{};
    const std::string& t = *v.value();
    uint64_t out = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size() || out > max) {
      return at(c_, *n_.get(key), child(path_, key),
                "expected a whole number 0.." + std::to_string(max) + ", got '" + t + "'");
    }
    return std::optional<uint64_t>{out};
  }

  Result<std::optional<bool>> opt_bool(const std::string& key) {
    auto v = opt_str(key);
    if (!v) return v.take_error();
    if (!v.value()) return std::optional<bool>{};
    if (*v.value() == "true") return std::optional<bool>{true};
    if (*v.value() == "false") return std::optional<bool>{false};
    return at(c_, *n_.get(key), child(path_, key), "expected true or false, got '" + *v.value() + "'");
  }

  // A list of scalars; absent = empty.
  Result<std::vector<std::string>> str_list(const std::string& key) {
    std::vector<std::string> out;
    const YamlNode* v = find(key);
    if (v == nullptr) return out;
    FWPATH_TRY(expect_kind(c_, *v, child(path_, key), Kind::Seq));
    for (size_t i = 0; i < v->seq.size(); ++i) {
      FWPATH_TRY(expect_kind(c_, v->seq[i], item(child(path_, key), i), Kind::Scalar));
      out.push_back(v->seq[i].scalar);
    }
    return out;
  }

  // The items of a list of mappings; absent = empty.
  Result<std::vector<const YamlNode*>> map_list(const std::string& key) {
    std::vector<const YamlNode*> out;
    const YamlNode* v = find(key);
    if (v == nullptr) return out;
    FWPATH_TRY(expect_kind(c_, *v, child(path_, key), Kind::Seq));
    for (size_t i = 0; i < v->seq.size(); ++i) {
      FWPATH_TRY(expect_kind(c_, v->seq[i], item(child(path_, key), i), Kind::Map));
      out.push_back(&v->seq[i]);
    }
    return out;
  }

  Status finish() const {
    for (size_t i = 0; i < n_.keys.size(); ++i) {
      if (known_.count(n_.keys[i]) == 0) return at(c_, n_.values[i], child(path_, n_.keys[i]), "unknown key");
    }
    return {};
  }

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const YamlNode& node() const { return n_; }

 private:
  const Ctx& c_;
  const YamlNode& n_;
  std::string path_;
  std::set<std::string> known_;
};

// Unpacks a Result into `var`, or returns its error. `var` names a declaration, which
// cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define FWPATH_ASSIGN(var, expr)               \
  auto var##_r_ = (expr);                      \
  if (!var##_r_) return var##_r_.take_error(); \
  auto var = std::move(var##_r_.value())
// NOLINTEND(bugprone-macro-parentheses)

bool valid_scenario_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
}

Status parse_hosts(const Ctx& c, MapReader& top, lab::LabSpec& lab) {
  FWPATH_ASSIGN(hosts, top.map_list("hosts"));
  if (hosts.empty()) return at(c, top.node(), "hosts", "required: at least one host");
  for (size_t i = 0; i < hosts.size(); ++i) {
    MapReader m(c, *hosts[i], item("hosts", i));
    lab::HostSpec h;
    FWPATH_ASSIGN(name, m.str("name"));
    if (name.size() > kMaxHostName || !lab::valid_lab_host_name(name)) {
      return at(c, *hosts[i], item("hosts", i) + ".name",
                "host names are 1..10 of [a-z0-9-] starting with a letter, got '" + name + "'");
    }
    h.name = name;
    FWPATH_ASSIGN(role, m.opt_str("role"));
    h.role = role.value_or("");
    if (const YamlNode* s = m.find("sysctls")) {
      const std::string path = m.path() + ".sysctls";
      FWPATH_TRY(expect_kind(c, *s, path, Kind::Map));
      for (size_t k = 0; k < s->keys.size(); ++k) {
        FWPATH_TRY(expect_kind(c, s->values[k], child(path, s->keys[k]), Kind::Scalar));
        h.sysctls.emplace_back(s->keys[k], s->values[k].scalar);
      }
    }
    FWPATH_TRY(m.finish());
    lab.hosts.push_back(std::move(h));
  }
  return {};
}

Status parse_links(const Ctx& c, MapReader& top, lab::LabSpec& lab) {
  FWPATH_ASSIGN(links, top.map_list("links"));
  for (size_t i = 0; i < links.size(); ++i) {
    MapReader m(c, *links[i], item("links", i));
    lab::LinkSpec l;
    FWPATH_ASSIGN(a, m.str("a"));
    FWPATH_ASSIGN(a_if, m.str("a_if"));
    FWPATH_ASSIGN(b, m.str("b"));
    FWPATH_ASSIGN(b_if, m.str("b_if"));
    FWPATH_ASSIGN(mtu, m.opt_uint("mtu", 65535));
    FWPATH_TRY(m.finish());
    lab.links.push_back({a, a_if, b, b_if, static_cast<uint32_t>(mtu.value_or(0))});
  }
  FWPATH_ASSIGN(bridges, top.map_list("bridges"));
  for (size_t i = 0; i < bridges.size(); ++i) {
    MapReader m(c, *bridges[i], item("bridges", i));
    FWPATH_ASSIGN(host, m.str("host"));
    FWPATH_ASSIGN(name, m.str("name"));
    FWPATH_ASSIGN(ports, m.str_list("ports"));
    FWPATH_TRY(m.finish());
    lab.bridges.push_back({host, name, ports});
  }
  return {};
}

Status parse_addresses_routes(const Ctx& c, MapReader& top, lab::LabSpec& lab) {
  FWPATH_ASSIGN(addresses, top.map_list("addresses"));
  for (size_t i = 0; i < addresses.size(); ++i) {
    MapReader m(c, *addresses[i], item("addresses", i));
    FWPATH_ASSIGN(host, m.str("host"));
    FWPATH_ASSIGN(ifname, m.str("if"));
    FWPATH_ASSIGN(cidr, m.str("cidr"));
    FWPATH_TRY(m.finish());
    lab.addresses.push_back({host, ifname, cidr});
  }
  FWPATH_ASSIGN(routes, top.map_list("routes"));
  for (size_t i = 0; i < routes.size(); ++i) {
    const std::string path = item("routes", i);
    MapReader m(c, *routes[i], path);
    lab::RouteSpec r;
    FWPATH_ASSIGN(host, m.str("host"));
    FWPATH_ASSIGN(dst, m.str("dst"));
    FWPATH_ASSIGN(via, m.opt_str("via"));
    FWPATH_ASSIGN(type, m.opt_str("type"));
    FWPATH_TRY(m.finish());
    r.host = host;
    r.dst = dst;
    r.via = via.value_or("");
    if (type) {
      auto t = lab::parse_route_type(*type);
      if (!t) return at(c, *routes[i], path + ".type", t.error().message());
      r.type = t.value();
    }
    if (r.type == lab::RouteType::Unicast && r.via.empty()) {
      return at(c, *routes[i], path + ".via", "required key missing (a route without type needs a gateway)");
    }
    lab.routes.push_back(r);
  }
  return {};
}

Status parse_rulesets(const Ctx& c, MapReader& top, lab::LabSpec& lab, const RulesetReader& read) {
  FWPATH_ASSIGN(rulesets, top.map_list("rulesets"));
  for (size_t i = 0; i < rulesets.size(); ++i) {
    const std::string path = item("rulesets", i);
    MapReader m(c, *rulesets[i], path);
    FWPATH_ASSIGN(host, m.str("host"));
    FWPATH_ASSIGN(file, m.str("file"));
    FWPATH_ASSIGN(format, m.opt_str("format"));
    FWPATH_TRY(m.finish());
    lab::RulesetSpec r;
    r.host = host;
    r.name = file;
    r.format = format.value_or("nft");
    if (std::none_of(std::begin(lab::kRulesetFormats), std::end(lab::kRulesetFormats),
                     [&](const char* f) { return r.format == f; })) {
      return at(c, *rulesets[i], path + ".format",
                "expected nft, iptables-save or iptables-legacy-save, got '" + r.format + "'");
    }
    auto text = read(file);
    if (!text) return at(c, *rulesets[i]->get("file"), path + ".file", text.error().message());
    r.text = text.value();
    lab.rulesets.push_back(std::move(r));
  }
  return {};
}

Result<model::L4> parse_l4(const Ctx& c, const YamlNode& n, const std::string& path, const std::string& text) {
  if (text == "tcp") return model::L4::Tcp;
  if (text == "udp") return model::L4::Udp;
  return at(c, n, path, "expected tcp or udp, got '" + text + "'");
}

Status parse_tc_listeners(const Ctx& c, MapReader& top, lab::LabSpec& lab) {
  FWPATH_ASSIGN(tcs, top.map_list("tc"));
  for (size_t i = 0; i < tcs.size(); ++i) {
    const std::string path = item("tc", i);
    MapReader m(c, *tcs[i], path);
    FWPATH_ASSIGN(host, m.str("host"));
    FWPATH_ASSIGN(dev, m.str("dev"));
    const YamlNode* drop = m.find("ingress_drop");
    if (drop == nullptr) return at(c, *tcs[i], path + ".ingress_drop", "required key missing");
    FWPATH_TRY(expect_kind(c, *drop, path + ".ingress_drop", Kind::Map));
    FWPATH_TRY(m.finish());
    MapReader d(c, *drop, path + ".ingress_drop");
    FWPATH_ASSIGN(proto_text, d.str("proto"));
    FWPATH_ASSIGN(proto, parse_l4(c, *drop, path + ".ingress_drop.proto", proto_text));
    FWPATH_ASSIGN(dport, d.opt_uint("dport", 65535));
    FWPATH_TRY(d.finish());
    if (!dport || *dport == 0) return at(c, *drop, path + ".ingress_drop.dport", "required: a port 1..65535");
    lab.tc.push_back({host, dev, proto, static_cast<uint16_t>(*dport)});
  }
  FWPATH_ASSIGN(listeners, top.map_list("listeners"));
  for (size_t i = 0; i < listeners.size(); ++i) {
    const std::string path = item("listeners", i);
    MapReader m(c, *listeners[i], path);
    lab::ListenerSpec l;
    FWPATH_ASSIGN(host, m.str("host"));
    FWPATH_ASSIGN(proto, m.str("proto"));
    FWPATH_ASSIGN(endpoint, m.str("at"));
    FWPATH_ASSIGN(role, m.opt_str("role"));
    FWPATH_TRY(m.finish());
    l.host = host;
    l.endpoint = endpoint;
    l.role = role.value_or("");
    if (proto == "wireguard") {
      l.proto = model::L4::Udp;
      l.wireguard = true;
    } else {
      FWPATH_ASSIGN(p, parse_l4(c, *listeners[i], path + ".proto", proto));
      l.proto = p;
    }
    lab.listeners.push_back(l);
  }
  return {};
}

Result<std::vector<HookExpect>> hook_list(const Ctx& c, MapReader& m, const std::string& key) {
  std::vector<HookExpect> out;
  FWPATH_ASSIGN(items, m.map_list(key));
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string path = item(child(m.path(), key), i);
    MapReader h(c, *items[i], path);
    FWPATH_ASSIGN(netns, h.str("netns"));
    FWPATH_ASSIGN(hook, h.str("hook"));
    FWPATH_TRY(h.finish());
    if (!model::hook_from_string(hook)) return at(c, *items[i], path + ".hook", "not a hook: '" + hook + "'");
    out.push_back({netns, hook});
  }
  return out;
}

// The keys of one direction's path: `netns`, `hook`, ... with `prefix` in front.
Result<PathExpect> parse_path_expect(const Ctx& c, const YamlNode& n, MapReader& m, const std::string& prefix) {
  PathExpect e;
  for (auto [key, slot] : {std::pair{"netns", &e.netns}, std::pair{"hook", &e.hook}, std::pair{"verdict", &e.verdict},
                           std::pair{"rule", &e.rule}, std::pair{"chain", &e.chain}, std::pair{"table", &e.table}}) {
    FWPATH_ASSIGN(v, m.opt_str(prefix + key));
    *slot = v;
  }
  if (e.hook && !model::hook_from_string(*e.hook)) {
    return at(c, *n.get(prefix + "hook"), child(m.path(), prefix + "hook"), "not a hook: '" + *e.hook + "'");
  }
  FWPATH_ASSIGN(hop_in, hook_list(c, m, prefix + "hop_in"));
  e.hop_in = hop_in;
  FWPATH_ASSIGN(no_hop_in, hook_list(c, m, prefix + "no_hop_in"));
  e.no_hop_in = no_hop_in;
  return e;
}

Result<ProbeExpectations> parse_expect(const Ctx& c, const YamlNode& n, const std::string& path) {
  FWPATH_TRY(expect_kind(c, n, path, Kind::Map));
  MapReader m(c, n, path);
  ProbeExpectations e;
  FWPATH_ASSIGN(outcome, m.opt_str("outcome"));
  e.outcome = outcome;
  static constexpr const char* kOutcomes[] = {"reached", "dropped", "rejected", "no-reply", "error"};
  if (e.outcome &&
      std::none_of(std::begin(kOutcomes), std::end(kOutcomes), [&](const char* o) { return *e.outcome == o; })) {
    return at(c, *n.get("outcome"), path + ".outcome",
              "expected reached, dropped, rejected, no-reply or error, got '" + *e.outcome + "'");
  }
  FWPATH_ASSIGN(request, parse_path_expect(c, n, m, ""));
  e.request = request;
  FWPATH_ASSIGN(reply_path, parse_path_expect(c, n, m, "reply_"));
  e.reply_path = reply_path;
  FWPATH_ASSIGN(drop_reason, m.opt_str("drop_reason"));
  e.drop_reason = drop_reason;
  if (const YamlNode* icmp = m.find("icmp")) {
    FWPATH_TRY(expect_kind(c, *icmp, path + ".icmp", Kind::Map));
    MapReader im(c, *icmp, path + ".icmp");
    FWPATH_ASSIGN(type, im.opt_uint("type", 255));
    FWPATH_ASSIGN(code, im.opt_uint("code", 255));
    FWPATH_TRY(im.finish());
    if (!type || !code) return at(c, *icmp, path + ".icmp", "needs both type and code");
    e.icmp = IcmpExpect{static_cast<unsigned>(*type), static_cast<unsigned>(*code)};
  }
  FWPATH_ASSIGN(err, m.opt_str("errno"));
  if (err && !known_errno_name(*err)) {
    return at(c, *n.get("errno"), path + ".errno",
              "expected an errno name (EPERM, EHOSTUNREACH, ECONNREFUSED, ...) or none, got '" + *err + "'");
  }
  e.errno_name = err;
  FWPATH_ASSIGN(reply, m.opt_bool("reply"));
  e.reply = reply;
  FWPATH_ASSIGN(legacy, m.opt_bool("iptables_legacy"));
  e.iptables_legacy = legacy;
  FWPATH_ASSIGN(rewrites, m.map_list("rewrites"));
  for (size_t i = 0; i < rewrites.size(); ++i) {
    const std::string rp = item(path + ".rewrites", i);
    MapReader w(c, *rewrites[i], rp);
    FWPATH_ASSIGN(field, w.str("field"));
    FWPATH_ASSIGN(before, w.str("before"));
    FWPATH_ASSIGN(after, w.str("after"));
    FWPATH_ASSIGN(netns, w.opt_str("netns"));
    FWPATH_TRY(w.finish());
    if (field != "saddr" && field != "daddr" && field != "sport" && field != "dport") {
      return at(c, *rewrites[i], rp + ".field", "expected saddr, daddr, sport or dport, got '" + field + "'");
    }
    e.rewrites.push_back({field, before, after, netns.value_or("")});
  }
  FWPATH_TRY(m.finish());
  return e;
}

Result<ScenarioProbe> parse_probe(const Ctx& c, const YamlNode& n, const std::string& path) {
  MapReader m(c, n, path);
  ScenarioProbe p;
  p.line = n.line;
  FWPATH_ASSIGN(name, m.str("name"));
  FWPATH_ASSIGN(from, m.str("from"));
  FWPATH_ASSIGN(trace, m.str_list("trace"));
  FWPATH_ASSIGN(tcp, m.opt_str("tcp"));
  FWPATH_ASSIGN(udp, m.opt_str("udp"));
  FWPATH_ASSIGN(payload, m.opt_uint("udp_payload", 65507));
  FWPATH_ASSIGN(df, m.opt_bool("df"));
  p.name = name;
  p.from = from;
  p.trace = trace;
  if (tcp.has_value() == udp.has_value()) return at(c, n, path, "exactly one of tcp: or udp: is required");
  p.proto = tcp ? model::L4::Tcp : model::L4::Udp;
  p.target = tcp ? *tcp : *udp;
  const std::string target_path = path + (tcp ? ".tcp" : ".udp");
  auto ep = model::parse_endpoint(p.target);
  if (!ep || ep->addr.v6 || ep->port == 0 || !lab::in_lab_ranges(lab::Ipv4Prefix{ep->addr, 32})) {
    return at(c, n, target_path, "expected ADDR:PORT with an IPv4 address in the lab's ranges, got '" + p.target + "'");
  }
  if (payload) p.udp_payload = static_cast<uint32_t>(*payload);
  p.df = df;
  if ((p.udp_payload || p.df) && p.proto != model::L4::Udp) {
    return at(c, n, path, "udp_payload and df apply to udp: probes only");
  }
  if (const YamlNode* e = m.find("expect")) {
    FWPATH_ASSIGN(expect, parse_expect(c, *e, path + ".expect"));
    p.expect = expect;
  }
  FWPATH_TRY(m.finish());
  return p;
}

Status check_probe_hosts(const Ctx& c, const YamlNode& n, const std::string& path, const ScenarioProbe& p,
                         const lab::LabSpec& lab) {
  const auto has = [&](const std::string& h) {
    return std::any_of(lab.hosts.begin(), lab.hosts.end(), [&](const lab::HostSpec& s) { return s.name == h; });
  };
  if (!has(p.from)) return at(c, n, path + ".from", "no such host: '" + p.from + "'");
  for (const auto& t : p.trace) {
    if (!has(t)) return at(c, n, path + ".trace", "no such host: '" + t + "'");
  }
  return {};
}

}  // namespace

Result<ScenarioSpec> parse_scenario(const std::string& text, const std::string& file,
                                    const RulesetReader& read_ruleset) {
  const Ctx c{file};
  auto doc = config::parse_yaml_subset(text, file);
  if (!doc) return doc.take_error();
  if (doc->kind != Kind::Map) return input_error(file + ": a scenario file is a mapping (name:, hosts:, ...)");
  MapReader top(c, doc.value(), "");
  ScenarioSpec s;
  s.file = file;
  FWPATH_ASSIGN(name, top.str("name"));
  if (!valid_scenario_name(name)) return at(c, doc.value(), "name", "expected [a-z0-9-]+, got '" + name + "'");
  s.name = name;
  FWPATH_ASSIGN(title, top.str("title"));
  s.title = title;
  FWPATH_ASSIGN(source, top.opt_str("source"));
  s.source = source.value_or("");
  FWPATH_ASSIGN(req, top.str_list("requires"));
  for (const auto& f : req) {
    if (std::none_of(std::begin(kKnownFeatures), std::end(kKnownFeatures), [&](const char* k) { return f == k; })) {
      return at(c, *top.find("requires"), "requires",
                "unknown feature '" + f + "' (wireguard, iptables-legacy, iptables-nft, tc, kprobes)");
    }
  }
  s.requires_features = req;
  FWPATH_TRY(parse_hosts(c, top, s.lab));
  FWPATH_TRY(parse_links(c, top, s.lab));
  FWPATH_TRY(parse_addresses_routes(c, top, s.lab));
  FWPATH_TRY(parse_rulesets(c, top, s.lab, read_ruleset));
  FWPATH_TRY(parse_tc_listeners(c, top, s.lab));
  FWPATH_ASSIGN(probes, top.map_list("probes"));
  std::set<std::string> names;
  for (size_t i = 0; i < probes.size(); ++i) {
    const std::string path = item("probes", i);
    FWPATH_ASSIGN(p, parse_probe(c, *probes[i], path));
    if (!names.insert(p.name).second) return at(c, *probes[i], path + ".name", "probe named twice: '" + p.name + "'");
    FWPATH_TRY(check_probe_hosts(c, *probes[i], path, p, s.lab));
    s.probes.push_back(std::move(p));
  }
  FWPATH_TRY(top.finish());
  if (auto v = lab::validate_lab_spec(s.lab); !v) return input_error(file + ": " + v.error().message());
  return s;
}

Result<ScenarioSpec> load_scenario_file(const std::string& path) {
  const auto read = [](const std::filesystem::path& p) -> Result<std::string> {
    std::ifstream in(p, std::ios::binary);
    if (!in) return sys_error("read", p.string());
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
  };
  auto text = read(path);
  if (!text) {
    Error e = text.take_error();
    e.kind = ErrorKind::BadInput;
    return e;
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  return parse_scenario(text.value(), path, [&](const std::string& rel) -> Result<std::string> {
    if (std::filesystem::path(rel).is_absolute())
      return input_error("ruleset paths are relative to the scenario's folder, got", rel);
    return read(dir / rel);
  });
}

}  // namespace fwpath::scenario
