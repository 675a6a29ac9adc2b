#include "audit/audit_report.h"
#include "output/probe_report.h"

namespace fwpath::audit {

namespace {

using nlohmann::json;

json blocking_json(const BlockingRule& b) {
  return json{{"netns", b.netns},
              {"direction", model::to_string(b.direction)},
              {"hook", model::to_string(b.hook)},
              {"family", b.family},
              {"table", b.table},
              {"chain", b.chain},
              {"handle", b.handle},
              {"rule", b.rule},
              {"verdict", b.verdict}};
}

json result_json(const AuditSetup& setup, const RequirementResult& r) {
  json rewrites = json::array();
  for (const auto& w : r.rewrites) rewrites.push_back(output::rewrite_json(w));
  return json{{"requirement", r.probe.requirement.str()},
              {"proto", model::to_string(r.probe.requirement.proto)},
              {"port", r.probe.requirement.port},
              {"from", r.probe.from_host},
              {"to", r.probe.to_host},
              {"target", r.probe.target},
              {"path", path_text(setup, r.probe)},
              {"result", r.allowed ? "allowed" : "blocked"},
              {"outcome", model::to_string(r.outcome)},
              {"summary", r.summary},
              {"blocking_rule", r.blocking ? blocking_json(*r.blocking) : json(nullptr)},
              {"drop_reason", r.drop_reason},
              {"rewrites", rewrites}};
}

}  // namespace

json audit_json(const AuditReport& report) {
  json results = json::array();
  for (const auto& r : report.results) results.push_back(result_json(report.setup, r));
  const json audit = {{"ruleset", report.ruleset},
                      {"format", report.format},
                      {"role", to_string(report.setup.role)},
                      {"node", {{"iface", report.setup.iface}, {"address", report.setup.node_ip}}},
                      {"peer", {{"address", report.setup.peer_ip}}},
                      {"required", report.results.size()},
                      {"allowed", report.results.size() - report.blocked()},
                      {"blocked", report.blocked()},
                      {"results", results}};
  return json{{"audit", audit}, {"probe", output::probe_report_json(report.probes)}};
}

}  // namespace fwpath::audit
