#pragma once
// What `fwpath demo` prints around the probe report: the intro (the lab, its firewall,
// what is probed), the closing lines (what the demo broke on purpose, the teardown, the
// exit status to expect), and the JSON "demo" object. Pure: values in, text out.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lab/demo_lab.h"
#include "lab/lab_spec.h"
#include "model/path.h"

namespace fwpath::output {

std::string demo_intro_text(const lab::LabSpec& spec, const std::vector<lab::demo::DemoTarget>& targets);

// How many targets failed, which outcomes differ from what the demo expects, and what the
// lab's services received: evidence the tracer did not produce.
struct DemoFindings {
  size_t broken = 0;
  std::vector<std::string> unexpected;  // "gateway: expected dropped, got reached"
  std::vector<size_t> served;           // per spec listener: connections accepted / datagrams received
};
DemoFindings demo_findings(const model::Report& report, const std::vector<lab::demo::DemoTarget>& targets,
                           std::vector<size_t> served);

// The closing lines; the last one says how many paths were broken and which exit status
// that gives.
std::string demo_closing_text(const lab::LabSpec& spec, const DemoFindings& findings,
                              const std::vector<lab::demo::DemoTarget>& targets, size_t namespaces_removed);

// {"hosts": [{"name", "netns", "role", "addresses"}], "rulesets": [...],
//  "listeners": [{"host", "protocol", "endpoint", "role", "served"}],
//  "expected": [{"label", "outcome", "why"}], "broken_paths": N, "unexpected": [...]}
// netns: the host's namespace name during the run, by host.
nlohmann::json demo_json(const lab::LabSpec& spec, const std::map<std::string, std::string>& netns,
                         const std::vector<lab::demo::DemoTarget>& targets, const DemoFindings& findings);

}  // namespace fwpath::output
