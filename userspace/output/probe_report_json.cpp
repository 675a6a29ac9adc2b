#include <cstring>
#include <nlohmann/json.hpp>

#include "output/probe_report.h"

namespace fwpath::output {

namespace {

using model::Direction;
using nlohmann::json;

json hop_json(const model::Hop& h) {
  return json{{"netns", h.netns},   {"hook", model::to_string(h.hook)},
              {"family", h.family}, {"table", h.table},
              {"chain", h.chain},   {"handle", h.handle},
              {"rule", h.rule},     {"verdict", h.verdict},
              {"iif", h.iif},       {"oif", h.oif},
              {"packet", h.flow}};
}

json hops_json(const model::ProbeReport& t, Direction d) {
  json out = json::array();
  for (const auto& h : t.hops) {
    if (h.direction == d) out.push_back(hop_json(h));
  }
  return out;
}

json target_json(const model::ProbeReport& t) {
  json rewrites = json::array();
  for (const auto& w : t.rewrites) rewrites.push_back(rewrite_json(w));
  json conntrack = json::array();
  for (const auto& c : t.conntrack) {
    conntrack.push_back({{"netns", c.netns}, {"original", c.original}, {"reply", c.reply}, {"status", c.status}});
  }
  json wire = json::array();
  for (const auto& s : t.wire) {
    wire.push_back({{"netns", s.netns},
                    {"event", model::to_string(s.kind)},
                    {"device", s.device},
                    {"packet", s.flow},
                    {"direction", model::to_string(s.direction)}});
  }
  json drop = nullptr;
  if (t.drop) {
    json legacy = json::array();
    for (const auto& l : t.drop->legacy_rules) {
      legacy.push_back({{"table", l.table},
                        {"chain", l.chain},
                        {"position", l.position},
                        {"rule", l.rule},
                        {"hook", model::to_string(l.hook)},
                        {"packets", l.packets}});
    }
    drop = {{"reason", t.drop->reason},
            {"location", t.drop->location},
            {"netns", t.drop->netns},
            {"device", t.drop->device},
            {"hook", model::to_string(t.drop->hook)},
            {"hook_inferred", t.drop->hook_inferred},
            {"hook_evidence", t.drop->hook_evidence},
            {"rule", t.drop->rule},
            {"direction", model::to_string(t.drop->direction)},
            {"note", t.drop->note},
            {"legacy_rules", legacy}};
  }
  json held = nullptr;
  if (t.held) {
    const auto& h = *t.held;
    json neighbour = nullptr;
    if (h.neighbour) {
      neighbour = {{"protocol", h.neighbour->protocol},
                   {"address", h.neighbour->address},
                   {"device", h.neighbour->device},
                   {"state", h.neighbour->state},
                   {"is_destination", h.neighbour->is_destination}};
    }
    held = {{"netns", h.netns}, {"hook", model::to_string(h.hook)},           {"device", h.device},
            {"packet", h.flow}, {"direction", model::to_string(h.direction)}, {"neighbour", neighbour}};
  }
  const auto& s = t.socket;
  json reply = {{"outcome", model::to_string(s.outcome)},
                {"from", s.peer},
                {"elapsed_ms", s.elapsed_ms},
                {"hops", hops_json(t, Direction::Reply)}};
  if (s.outcome == model::SocketOutcome::IcmpError) reply["icmp"] = {{"type", s.icmp_type}, {"code", s.icmp_code}};
  if (s.err != 0) {
    reply["errno"] = s.err;
    const char* name = strerrorname_np(s.err);
    reply["errno_name"] = name != nullptr ? name : "";
  }
  if (!s.detail.empty()) reply["detail"] = s.detail;
  return json{{"label", t.spec.label},
              {"target", t.spec.target_text},
              {"address", t.spec.target.str()},
              {"protocol", model::to_string(t.spec.proto)},
              {"source", s.local.str()},
              {"outcome", model::to_string(t.outcome)},
              {"passed", t.passed},
              {"summary", t.summary},
              {"incomplete", t.incomplete},
              {"incomplete_because", t.incomplete_because},
              {"left_node", t.left_node},
              {"hops", hops_json(t, Direction::Request)},
              {"rewrites", rewrites},
              {"drop", drop},
              {"held", held},
              {"reply", reply},
              {"wire", wire},
              {"conntrack", conntrack},
              {"notes", t.notes}};
}

}  // namespace

json rewrite_json(const model::Rewrite& w) {
  return json{{"field", w.field},
              {"before", w.before},
              {"after", w.after},
              {"hook", model::to_string(w.hook)},
              {"rule", w.rule},
              {"netns", w.netns},
              {"direction", model::to_string(w.direction)},
              {"confirmed_by_conntrack", w.confirmed}};
}

nlohmann::json probe_report_json(const model::Report& report) {
  json targets = json::array();
  for (const auto& t : report.targets) targets.push_back(target_json(t));
  return json{{"targets", targets},
              {"lost_events", report.lost_events},
              {"lost",
               {{"trace_overruns", report.lost.trace_overruns},
                {"bpf_events", report.lost.bpf_events},
                {"undecodable", report.lost.undecodable}}},
              {"ignored_foreign_events", report.ignored_foreign_events},
              {"over_cap_events", report.over_cap_events},
              {"notes", report.notes}};
}

}  // namespace fwpath::output
