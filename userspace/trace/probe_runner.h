#pragma once
// Sends the probes one at a time while the session reads events, and closes each probe's
// window as soon as its fate is known: the socket's answer, or the packet seen dying
// (then a short grace lets an ICMP error or RST it caused reach the socket).
#include <chrono>
#include <vector>

#include "model/correlator.h"
#include "trace/trace_session.h"

namespace fwpath::trace {

struct RunnerOptions {
  std::chrono::milliseconds timeout{3000};
  int origin_netns_fd = -1;  // where the probes are sent from
  // After the packet is seen dying, how long to wait for the socket to hear about it.
  std::chrono::milliseconds death_grace{20};
};

Result<std::vector<model::ProbeWindow>> run_probes(TraceSession& session, const std::vector<model::ProbeSpec>& specs,
                                                   const RunnerOptions& options);

}  // namespace fwpath::trace
