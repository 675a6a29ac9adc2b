#pragma once
// A scenario file (docs/scenarios.md) as data: the lab it builds, the features it needs,
// and the probes with what each must show. Produced by scenario_parse.h.
#include <optional>
#include <string>
#include <vector>

#include "lab/lab_spec.h"
#include "model/flow.h"
#include "scenario/expectation.h"

namespace fwpath::scenario {

struct ScenarioProbe {
  std::string name;
  std::string from;                // the host the probe is sent from
  std::vector<std::string> trace;  // further hosts traced
  model::L4 proto = model::L4::Tcp;
  std::string target;  // "198.51.100.20:6443"
  std::optional<uint32_t> udp_payload;
  std::optional<bool> df;
  ProbeExpectations expect;
  int line = 0;  // where the probe starts in the file
};

struct ScenarioSpec {
  std::string file;  // as given on the command line
  std::string name;
  std::string title;
  std::string source;
  std::vector<std::string> requires_features;  // the file's `requires:`
  lab::LabSpec lab;
  std::vector<ScenarioProbe> probes;
};

// The feature names `requires:` accepts.
inline constexpr const char* kKnownFeatures[] = {"wireguard", "iptables-legacy", "iptables-nft", "tc", "kprobes"};

}  // namespace fwpath::scenario
