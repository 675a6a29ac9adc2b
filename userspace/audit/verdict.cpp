#include "audit/verdict.h"

#include <algorithm>

namespace fwpath::audit {

namespace {

bool stops(const model::Hop& h) {
  return h.verdict == "drop" || h.verdict == "reject" || h.verdict == "policy drop";
}

// A drop the BPF tracer saw in a namespace that is not the lab's (it watches the whole
// machine, and concurrent runs may use the same ports) says nothing about this ruleset.
bool in_lab(const std::optional<model::DropInfo>& d) {
  return d && (d->netns == kNodeHost || d->netns == kRouterHost || d->netns == kPeerHost);
}

std::optional<BlockingRule> blocking_rule(const model::ProbeReport& r) {
  const auto hop = std::find_if(r.hops.begin(), r.hops.end(), stops);
  if (hop != r.hops.end()) {
    return BlockingRule{
        hop->netns,  hop->direction, hop->hook,   hop->family,
        hop->table,  hop->chain,     hop->handle, hop->verdict == "policy drop" ? "policy drop" : hop->rule,
        hop->verdict};
  }
  if (in_lab(r.drop) && (r.drop->hook != model::Hook::Unknown || !r.drop->rule.empty())) {
    BlockingRule b;
    b.netns = r.drop->netns;
    b.direction = r.drop->direction;
    b.hook = r.drop->hook;
    b.rule = r.drop->rule;
    b.verdict = "drop";
    return b;
  }
  return std::nullopt;
}

}  // namespace

RequirementResult judge(const PlannedProbe& probe, const model::ProbeReport& report, size_t served, bool rules_traced) {
  RequirementResult out;
  out.probe = probe;
  out.outcome = report.outcome;
  out.rewrites = report.rewrites;
  if (in_lab(report.drop)) out.drop_reason = report.drop->reason;
  const bool tcp = probe.requirement.proto == model::L4::Tcp;
  out.allowed = tcp ? report.socket.outcome == model::SocketOutcome::Connected || served > 0 : served > 0;
  if (out.allowed) {
    out.outcome = model::Outcome::Reached;
    out.summary = tcp ? report.summary
                      : "reached the listener on " + probe.to_host + " " + probe.target +
                            " (a UDP service need not answer; only the request direction is checked)";
    return out;
  }
  out.blocking = blocking_rule(report);
  out.summary = report.summary;
  if (!tcp && report.passed) {
    // The probe's own verdict for UDP is "left the first namespace": not enough here.
    out.summary = "never reached the listener on " + probe.to_host + " " + probe.target + "; " + report.summary;
  }
  if (!rules_traced && !out.blocking) {
    out.summary += " [the ruleset is in x_tables (iptables-legacy), which the nft trace cannot see: no rule named]";
  } else if (!rules_traced && !out.blocking->rule.empty()) {
    // Named by its packet counter (docs/probe.md), not by the trace: say so.
    out.summary +=
        " [the ruleset is in x_tables (iptables-legacy), which the nft trace cannot see: " + out.blocking->rule +
        ", found by its packet counter]";
  }
  return out;
}

}  // namespace fwpath::audit
