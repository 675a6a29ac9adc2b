#pragma once
// Targets as the user writes them ("HOST:PORT", "[V6]:PORT", a name or a literal) turned
// into probe specifications. Name resolution lives here, at the edge, so the model never
// does I/O.
#include <optional>
#include <string>
#include <vector>

#include "model/probe_spec.h"
#include "util/error.h"

namespace fwpath::cli {

// A target as written, split but not resolved: `literal` is set when HOST was an address.
struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::optional<model::Endpoint> literal;
};

// Pure (no resolver): splits "HOST:PORT" / "[V6]:PORT" and checks the port. Kept apart
// from resolve_target so that it is fuzzed without ever sending a name to the resolver.
Result<HostPort> split_target(const std::string& text);

// Splits "HOST:PORT" / "[V6]:PORT" and resolves HOST (literal first, then the resolver).
Result<model::Endpoint> resolve_target(const std::string& text);
Result<model::Endpoint> resolve_host_port(const std::string& host, uint16_t port, const std::string& shown);

struct TargetRequest {
  std::string label;  // api-server, gateway, tcp, udp
  model::L4 proto;
  std::string text;
};

// Resolves every request and assigns ids, source ports and UDP markers. TCP probes get
// distinct source ports from a per-run random base in 41000-48999; UDP probes from a
// per-run random base in 40000-40999 (sources/udp_source_port.h), which the probe job
// moves past ports that sockets in the sending namespace hold.
Result<std::vector<model::ProbeSpec>> build_probe_specs(const std::vector<TargetRequest>& requests);

}  // namespace fwpath::cli
