#pragma once
// Everything that observes while probes run: a TracedNetns per namespace and the BPF
// tracer, read together from one poll loop. Destroying the session removes every table,
// program and socket it created.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/event_gate.h"
#include "model/events.h"
#include "model/probe_spec.h"
#include "sources/bpf_tracer.h"
#include "trace/traced_netns.h"

namespace fwpath::trace {

struct SessionConfig {
  std::string origin_netns;              // "" = the namespace fwpath runs in
  std::vector<std::string> extra_netns;  // --netns
  std::vector<model::ProbeSpec> probes;
};

class TraceSession {
 public:
  static Result<TraceSession> start(const SessionConfig& config);

  TraceSession() = default;
  TraceSession(const TraceSession&) = delete;
  TraceSession& operator=(const TraceSession&) = delete;
  TraceSession(TraceSession&&) noexcept = default;
  TraceSession& operator=(TraceSession&&) noexcept = default;
  // Removes the namespaces' tracer tables and the BPF programs at the same time (see
  // util/parallel.h: each removal waits in the kernel).
  ~TraceSession();

  // Waits up to `wait` for events (or for `wake_fd`, if given, to become readable), then
  // reads everything pending from every source.
  Status pump(std::chrono::milliseconds wait, int wake_fd = -1);

  // Called for each event as it is read, so a probe can end early once its packet died.
  std::function<void(const model::NftTraceEvent&)> on_trace;
  std::function<void(const model::PacketEvent&)> on_packet;

  [[nodiscard]] const std::vector<model::NftTraceEvent>& traces() const { return traces_; }
  [[nodiscard]] const std::vector<model::PacketEvent>& packets() const { return packets_; }
  // Names the locations of the drops among `events` (see BpfTracer::symbolize).
  void symbolize_drops(std::vector<model::PacketEvent>& events) const;
  // Every source's loss counters, cumulative (trace overruns, ring buffer drops, undecodable).
  [[nodiscard]] model::LossCounts losses() const;
  // What was kept of the events read, what was ignored, and when losses happened.
  [[nodiscard]] const model::EventGate& gate() const { return gate_; }
  [[nodiscard]] const TracedNetns& origin() const { return namespaces_.front(); }
  [[nodiscard]] std::vector<TracedNetns>& namespaces() { return namespaces_; }
  [[nodiscard]] std::string netns_label(uint32_t inode) const;
  // Whether BPF watches devices (transmit, receive, drops): without it, "no device sent
  // the packet" says nothing.
  [[nodiscard]] bool devices_watched() const { return bpf_.has_value(); }
  // What this run cannot see, one sentence each (BPF unavailable, no owner flag, ...).
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }

 private:
  void store(model::KeptEvents&& kept);

  std::vector<TracedNetns> namespaces_;  // the origin first
  std::optional<sources::BpfTracer> bpf_;
  model::EventGate gate_{{}};  // only the probes' events are stored
  std::vector<model::NftTraceEvent> traces_;
  std::vector<model::PacketEvent> packets_;
  std::vector<std::string> notes_;
};

}  // namespace fwpath::trace
