#include "scenario/expectation.h"

#include <algorithm>
#include <cstring>

namespace fwpath::scenario {

namespace {

using model::Direction;

constexpr const char* kNone = "(none)";

bool is_stop_verdict(const std::string& v) {
  return v == "drop" || v == "reject" || v == "policy drop" || v.rfind("reject", 0) == 0;
}

bool is_accept_verdict(const std::string& v) {
  return v == "accept" || v == "policy accept";
}

bool matches(const std::string& expected, const std::string& actual) {
  return expected == kAnyValue || expected == actual;
}

ExpectationResult compare(std::string key, const std::string& expected, const std::string& actual) {
  ExpectationResult r{std::move(key), expected, actual, ExpectStatus::Fail, ""};
  if (expected == actual) r.status = ExpectStatus::Pass;
  return r;
}

std::string bool_text(bool b) {
  return b ? "true" : "false";
}

std::string rewrite_text(const RewriteExpect& w) {
  std::string t = w.field + " " + w.before + " -> " + w.after;
  if (!w.netns.empty()) t += " in " + w.netns;
  return t;
}

std::string rewrites_seen(const model::ProbeReport& r) {
  std::string out;
  for (const auto& w : r.rewrites) {
    if (w.direction != Direction::Request) continue;
    out += (out.empty() ? "" : ", ") + w.field + " " + w.before + " -> " + w.after + " in " + w.netns;
  }
  return out.empty() ? "no rewrite" : out;
}

std::string hook_ref_text(const HookExpect& h) {
  return h.netns + " " + h.hook;
}

bool crossed(const model::ProbeReport& r, Direction d, const HookExpect& h) {
  return std::any_of(r.hops.begin(), r.hops.end(), [&](const model::Hop& hop) {
    return hop.direction == d && hop.netns == h.netns && model::to_string(hop.hook) == h.hook;
  });
}

std::string hooks_seen(const model::ProbeReport& r, Direction d) {
  std::vector<std::string> seen;
  for (const auto& hop : r.hops) {
    if (hop.direction != d) continue;
    std::string t = hop.netns + " " + model::to_string(hop.hook);
    if (std::find(seen.begin(), seen.end(), t) == seen.end()) seen.push_back(t);
  }
  std::string out;
  for (const auto& s : seen) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "no hop" : out;
}

bool got_reply(const model::SocketResult& s) {
  using model::SocketOutcome;
  return s.outcome == SocketOutcome::Connected || s.outcome == SocketOutcome::Reset ||
         s.outcome == SocketOutcome::Reply;
}

// The drop, when it happened in direction d.
const model::DropInfo* drop_in(const model::ProbeReport& r, Direction d) {
  return r.drop && r.drop->direction == d ? &*r.drop : nullptr;
}

// The iptables-legacy rule the report named for a drop no nft rule made: it decided,
// whatever nft accepted before it.
const model::LegacyRule* legacy_decider(const model::DropInfo* drop, const model::Hop* d) {
  if (drop == nullptr || drop->legacy_rules.size() != 1) return nullptr;
  if (d != nullptr && is_stop_verdict(d->verdict)) return nullptr;
  return &drop->legacy_rules.front();
}

// The keys of one direction: `prefix` is "" for the request, "reply_" for the reply.
void evaluate_path(const PathExpect& e, Direction dir, const std::string& prefix, const model::ProbeReport& r,
                   std::vector<ExpectationResult>& out) {
  const model::Hop* d = deciding_hop(r, dir);
  const model::DropInfo* drop = drop_in(r, dir);
  const model::LegacyRule* legacy = legacy_decider(drop, d);
  const auto field = [&](auto get) { return d != nullptr ? std::string(get(*d)) : std::string(kNone); };
  if (e.netns) {
    out.push_back(compare(prefix + "netns", *e.netns,
                          drop != nullptr ? drop->netns : field([](const model::Hop& h) { return h.netns; })));
  }
  if (e.hook) {
    const bool drop_hook = drop != nullptr && drop->hook != model::Hook::Unknown;
    auto res = compare(
        prefix + "hook", *e.hook,
        drop_hook ? model::to_string(drop->hook) : field([](const model::Hop& h) { return model::to_string(h.hook); }));
    if (drop_hook && drop->hook_inferred) res.why = "inferred by the report: " + drop->hook_evidence;
    out.push_back(res);
  }
  if (e.verdict) {
    out.push_back(compare(prefix + "verdict", *e.verdict, field([](const model::Hop& h) { return h.verdict; })));
  }
  if (e.rule) {
    std::string actual = d != nullptr ? d->rule : (drop != nullptr ? drop->rule : std::string());
    if (legacy != nullptr) actual = drop->rule;
    bool pass = false;
    if (legacy != nullptr && *e.rule == "policy") {
      pass = legacy->position == 0;
    } else if (*e.rule == "policy") {
      pass = d != nullptr && d->verdict.rfind("policy", 0) == 0;
      if (d != nullptr && pass) actual = d->verdict + " of " + d->table + " " + d->chain;
    } else {
      pass = !e.rule->empty() && actual.find(*e.rule) != std::string::npos;
    }
    if (d != nullptr && actual.empty()) actual = d->verdict;  // a policy: name what decided
    ExpectationResult res{prefix + "rule", *e.rule, actual.empty() ? kNone : actual, ExpectStatus::Fail, ""};
    if (pass) res.status = ExpectStatus::Pass;
    if (!pass && *e.rule != "policy") res.why = "expected a substring of the deciding rule";
    out.push_back(res);
  }
  if (e.chain) {
    out.push_back(compare(prefix + "chain", *e.chain,
                          legacy != nullptr ? legacy->chain : field([](const model::Hop& h) { return h.chain; })));
  }
  if (e.table) {
    out.push_back(compare(prefix + "table", *e.table,
                          legacy != nullptr ? legacy->table : field([](const model::Hop& h) { return h.table; })));
  }
}

void evaluate_hooks_crossed(const PathExpect& e, Direction dir, const std::string& prefix, const model::ProbeReport& r,
                            std::vector<ExpectationResult>& out) {
  for (size_t i = 0; i < e.hop_in.size(); ++i) {
    const bool ok = crossed(r, dir, e.hop_in[i]);
    out.push_back({prefix + "hop_in[" + std::to_string(i) + "]", hook_ref_text(e.hop_in[i]), hooks_seen(r, dir),
                   ok ? ExpectStatus::Pass : ExpectStatus::Fail, ""});
  }
  for (size_t i = 0; i < e.no_hop_in.size(); ++i) {
    const bool ok = !crossed(r, dir, e.no_hop_in[i]);
    out.push_back({prefix + "no_hop_in[" + std::to_string(i) + "]", "not " + hook_ref_text(e.no_hop_in[i]),
                   hooks_seen(r, dir), ok ? ExpectStatus::Pass : ExpectStatus::Fail, ""});
  }
}

void evaluate_drop_and_socket(const ProbeExpectations& e, const model::ProbeReport& r,
                              std::vector<ExpectationResult>& out) {
  if (e.drop_reason) {
    if (!r.drop) {
      out.push_back({"drop_reason", *e.drop_reason, "no drop seen", ExpectStatus::Fail, ""});
    } else if (r.drop->reason.empty()) {
      out.push_back({"drop_reason", *e.drop_reason, kNone, ExpectStatus::Skip, "no reason on this kernel"});
    } else {
      out.push_back(compare("drop_reason", *e.drop_reason, r.drop->reason));
    }
  }
  if (e.icmp) {
    const std::string expected = std::to_string(e.icmp->type) + "/" + std::to_string(e.icmp->code);
    const auto& s = r.socket;
    const std::string actual = s.outcome == model::SocketOutcome::IcmpError
                                   ? std::to_string(s.icmp_type) + "/" + std::to_string(s.icmp_code)
                                   : std::string("no ICMP error (") + model::to_string(s.outcome) + ")";
    out.push_back(compare("icmp", expected, actual));
  }
  if (e.errno_name) {
    const std::string name = errno_name(r.socket.err);
    out.push_back(compare("errno", *e.errno_name, name.empty() ? "errno " + std::to_string(r.socket.err) : name));
  }
  if (e.reply) {
    out.push_back(compare("reply", bool_text(*e.reply), bool_text(got_reply(r.socket))));
  }
}

void evaluate_rewrites(const ProbeExpectations& e, const model::ProbeReport& r, std::vector<ExpectationResult>& out) {
  for (size_t i = 0; i < e.rewrites.size(); ++i) {
    const auto& w = e.rewrites[i];
    const bool found = std::any_of(r.rewrites.begin(), r.rewrites.end(), [&](const model::Rewrite& got) {
      return got.direction == Direction::Request && got.field == w.field && matches(w.before, got.before) &&
             matches(w.after, got.after) && (w.netns.empty() || w.netns == got.netns);
    });
    out.push_back({"rewrites[" + std::to_string(i) + "]", rewrite_text(w), rewrites_seen(r),
                   found ? ExpectStatus::Pass : ExpectStatus::Fail, ""});
  }
}

}  // namespace

std::string to_string(ExpectStatus s) {
  switch (s) {
    case ExpectStatus::Pass: return "PASS";
    case ExpectStatus::Fail: return "FAIL";
    case ExpectStatus::Skip: return "SKIP";
  }
  return "FAIL";
}

std::string errno_name(int err) {
  if (err == 0) return kNoErrno;
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "";
}

bool known_errno_name(const std::string& name) {
  if (name == kNoErrno) return true;
  if (name.empty()) return false;
  // Linux numbers its errors below 4096 (MAX_ERRNO); glibc names the ones in use.
  for (int err = 1; err < 4096; ++err) {
    if (errno_name(err) == name) return true;
  }
  return false;
}

const model::Hop* deciding_hop(const model::ProbeReport& r, Direction d) {
  const model::Hop* last_stop = nullptr;
  const model::Hop* last_accept = nullptr;
  const model::Hop* at_drop = nullptr;
  const model::DropInfo* drop = drop_in(r, d);
  for (const auto& h : r.hops) {
    if (h.direction != d) continue;
    if (is_stop_verdict(h.verdict)) {
      last_stop = &h;
      if (drop != nullptr && h.netns == drop->netns && (drop->hook == model::Hook::Unknown || h.hook == drop->hook)) {
        at_drop = &h;
      }
    } else if (is_accept_verdict(h.verdict)) {
      last_accept = &h;
    }
  }
  if (at_drop != nullptr) return at_drop;
  if (last_stop != nullptr) return last_stop;
  return last_accept;
}

std::vector<ExpectationResult> evaluate_expectations(const ProbeExpectations& e, const model::ProbeReport& r) {
  std::vector<ExpectationResult> out;
  if (e.outcome) out.push_back(compare("outcome", *e.outcome, model::to_string(r.outcome)));
  evaluate_path(e.request, Direction::Request, "", r, out);
  evaluate_drop_and_socket(e, r, out);
  evaluate_rewrites(e, r, out);
  evaluate_hooks_crossed(e.request, Direction::Request, "", r, out);
  evaluate_path(e.reply_path, Direction::Reply, "reply_", r, out);
  evaluate_hooks_crossed(e.reply_path, Direction::Reply, "reply_", r, out);
  if (e.iptables_legacy) {
    const bool legacy = r.drop && r.drop->note.find("iptables-legacy") != std::string::npos;
    out.push_back(compare("iptables_legacy", bool_text(*e.iptables_legacy), bool_text(legacy)));
  }
  return out;
}

std::vector<ExpectationResult> skip_expectations(const ProbeExpectations& e, const std::string& why) {
  // Evaluating against an empty report lists exactly the keys that are set, in order.
  auto out = evaluate_expectations(e, model::ProbeReport{});
  for (auto& r : out) {
    r.actual.clear();
    r.status = ExpectStatus::Skip;
    r.why = why;
  }
  return out;
}

}  // namespace fwpath::scenario
