#include "output/demo_text.h"

#include <algorithm>
#include <sstream>

namespace fwpath::output {

namespace {

std::vector<std::string> addresses_of(const lab::LabSpec& spec, const std::string& host) {
  std::vector<std::string> out;
  for (const auto& a : spec.addresses) {
    if (a.host == host) out.push_back(a.cidr);
  }
  return out;
}

std::string joined(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::string padded(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

const model::ProbeReport* find_target(const model::Report& report, const std::string& label) {
  for (const auto& t : report.targets) {
    if (t.spec.label == label) return &t;
  }
  return nullptr;
}

}  // namespace

std::string demo_intro_text(const lab::LabSpec& spec, const std::vector<lab::demo::DemoTarget>& targets) {
  std::ostringstream os;
  os << "fwpath demo: two Kubernetes clusters about to peer, built now as " << spec.hosts.size()
     << " network namespaces\n"
        "(no link to this host's own network; everything is removed when the demo ends).\n\n";
  size_t name_w = 0;
  size_t addr_w = 0;
  for (const auto& h : spec.hosts) {
    name_w = std::max(name_w, h.name.size() + 2);
    addr_w = std::max(addr_w, joined(addresses_of(spec, h.name), " ").size() + 2);
  }
  for (const auto& h : spec.hosts) {
    os << "  " << padded(h.name, name_w) << padded(joined(addresses_of(spec, h.name), " "), addr_w) << h.role << "\n";
  }
  std::vector<std::string> ruleset_hosts;
  for (const auto& r : spec.rulesets) {
    if (std::find(ruleset_hosts.begin(), ruleset_hosts.end(), r.host) == ruleset_hosts.end()) {
      ruleset_hosts.push_back(r.host);
    }
  }
  size_t file_w = 0;
  for (const auto& r : spec.rulesets) file_w = std::max(file_w, r.name.size() + 2);
  for (const auto& host : ruleset_hosts) {
    os << "\nFirewall on " << host << " (rulesets/demo/, built into fwpath):\n";
    for (const auto& r : spec.rulesets) {
      if (r.host == host) os << "  " << padded(r.name, file_w) << r.summary << "\n";
    }
  }
  std::vector<std::string> names;
  for (const auto& h : spec.hosts) names.push_back(h.name);
  os << "\nProbing from " << (spec.hosts.empty() ? "" : spec.hosts.front().name) << ", tracing in "
     << joined(names, ", ") << ":\n";
  for (const auto& t : targets) {
    os << "  " << padded(t.label, 12) << model::to_string(t.proto) << " " << t.target << "\n";
  }
  return os.str();
}

DemoFindings demo_findings(const model::Report& report, const std::vector<lab::demo::DemoTarget>& targets,
                           std::vector<size_t> served) {
  DemoFindings f;
  f.served = std::move(served);
  f.broken = static_cast<size_t>(
      std::count_if(report.targets.begin(), report.targets.end(), [](const auto& t) { return !t.passed; }));
  for (const auto& want : targets) {
    const model::ProbeReport* got = find_target(report, want.label);
    const std::string outcome = got != nullptr ? model::to_string(got->outcome) : "not probed";
    if (outcome != want.expected_outcome) {
      f.unexpected.push_back(want.label + ": expected " + want.expected_outcome + ", got " + outcome);
    }
  }
  return f;
}

std::string demo_closing_text(const lab::LabSpec& spec, const DemoFindings& findings,
                              const std::vector<lab::demo::DemoTarget>& targets, size_t namespaces_removed) {
  std::ostringstream os;
  os << "\nWhat the demo broke on purpose:\n";
  for (const auto& t : targets) os << "  " << padded(t.label, 12) << t.expected_outcome << ": " << t.why << "\n";
  for (const auto& u : findings.unexpected) os << "  unexpected: " << u << "\n";
  std::vector<std::string> services;
  for (size_t i = 0; i < spec.listeners.size() && i < findings.served.size(); ++i) {
    const auto& l = spec.listeners[i];
    const size_t n = findings.served[i];
    services.push_back(l.role + " " + (l.proto == model::L4::Tcp ? "accepted " : "received ") + std::to_string(n) +
                       (l.proto == model::L4::Tcp ? " connection" : " datagram") + (n == 1 ? "" : "s"));
  }
  if (!services.empty()) os << "The lab's services were up: " << joined(services, ", ") << ".\n";
  os << "Lab removed: " << namespaces_removed << " network namespaces, with their links, rulesets and listeners.\n";
  if (findings.broken == 0) {
    os << "fwpath found no broken path although the demo breaks " << targets.size()
       << " on purpose; exit 0, but see the notes above.\n";
  } else {
    os << "fwpath found " << findings.broken << " broken path" << (findings.broken == 1 ? "" : "s")
       << "; exit 1 is the expected outcome of this demo.\n";
  }
  return os.str();
}

nlohmann::json demo_json(const lab::LabSpec& spec, const std::map<std::string, std::string>& netns,
                         const std::vector<lab::demo::DemoTarget>& targets, const DemoFindings& findings) {
  using nlohmann::json;
  json hosts = json::array();
  for (const auto& h : spec.hosts) {
    const auto n = netns.find(h.name);
    hosts.push_back({{"name", h.name},
                     {"netns", n != netns.end() ? n->second : ""},
                     {"role", h.role},
                     {"addresses", addresses_of(spec, h.name)}});
  }
  json rulesets = json::array();
  for (const auto& r : spec.rulesets) {
    rulesets.push_back({{"host", r.host}, {"name", r.name}, {"summary", r.summary}});
  }
  json listeners = json::array();
  for (size_t i = 0; i < spec.listeners.size(); ++i) {
    const auto& l = spec.listeners[i];
    json served = i < findings.served.size() ? json(findings.served[i]) : json(nullptr);
    listeners.push_back({{"host", l.host},
                         {"protocol", model::to_string(l.proto)},
                         {"endpoint", l.endpoint},
                         {"role", l.role},
                         {"served", served}});
  }
  json expected = json::array();
  for (const auto& t : targets) {
    expected.push_back({{"label", t.label}, {"outcome", t.expected_outcome}, {"why", t.why}});
  }
  return {{"hosts", hosts},
          {"rulesets", rulesets},
          {"listeners", listeners},
          {"expected", expected},
          {"broken_paths", findings.broken},
          {"unexpected", findings.unexpected}};
}

}  // namespace fwpath::output
