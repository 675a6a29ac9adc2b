#pragma once
// One namespace the tracer watches: its ruleset snapshot (to explain trace events; read
// lazily, per table, when the correlator asks), its
// trace listener (opened before the tracer table, so that no event is missed) and the
// tracer table itself. Destroying it removes the table.
#include <cstdint>
#include <optional>
#include <string>

#include "nft/trace_listener.h"
#include "nft/tracer_table.h"
#include "ruleset/snapshot.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath::trace {

struct TracedNetns {
  std::string label;  // what reports call it: the name under /run/netns, or "host"
  UniqueFd fd;        // keeps the namespace reachable for the snapshot's listings
  uint32_t inode = 0;
  std::optional<ruleset::Snapshot> snapshot;
  std::optional<nft::TraceListener> listener;
  std::optional<nft::TracerTable> table;
  std::vector<std::string> swept;  // stale tracer tables removed at start

  // Opens the namespace `name` ("" = the current one) and sets everything up in it.
  static Result<TracedNetns> open(const std::string& name, const nft::TracerConfig& config);
};

}  // namespace fwpath::trace
