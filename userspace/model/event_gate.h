#pragma once
// Decides, as events are read, which ones are kept for the correlator, so that a flood of
// unrelated traffic through the probed port cannot grow memory without bound, and keeps
// the loss accounting the reports need to be honest about what they did not see.
//
// Kept: events whose flow carries one of the probes' source ports (either side; for an
// ICMP error, the flow it quotes), and nft trace events without headers that follow a
// kept event of the same packet (same namespace and trace id). Everything else is
// counted in ignored_foreign and dropped. The source port is the one field the probe
// chose that survives DNAT and port-preserving SNAT; the correlator then attributes
// the kept events by the probe's exact tuples. Each probe keeps at most a fixed number
// of events; beyond it the probe is marked capped (its report becomes incomplete).
//
// Losses: the sources only report cumulative counters; note_losses() turns each increase
// into a LossMark with the interval it happened in, so that the correlator can mark
// exactly the probes whose window overlapped it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "model/events.h"
#include "model/probe_spec.h"

namespace fwpath::model {

// What the sources count, by what is actually counted.
struct LossCounts {
  uint64_t trace_overruns = 0;  // ENOBUFS on a trace socket: at least one event lost each time, how many unknown
  uint64_t bpf_events = 0;      // BPF events the ring buffer had no room for (an exact count)
  uint64_t undecodable = 0;     // trace messages received but not decodable (truncated, malformed)
  [[nodiscard]] uint64_t total() const { return trace_overruns + bpf_events + undecodable; }
  [[nodiscard]] bool any() const { return total() > 0; }
};

// Losses noticed at `noticed`, which happened after the read before it (`since`).
struct LossMark {
  Clock::time_point since;
  Clock::time_point noticed;
  LossCounts counts;
};

struct EventTally {
  uint64_t traces_decoded = 0;  // every nft trace event read, kept or not
  uint64_t packets_decoded = 0;
  uint64_t ignored_foreign = 0;  // not of any probe's flow: not kept
  uint64_t over_cap = 0;         // of a probe that already had its cap: not kept
  std::optional<Clock::time_point> first_trace;
  std::optional<Clock::time_point> last_trace;
};

class EventGate {
 public:
  // A probe keeps at most this many events (nft and BPF together). A probe's exchange
  // is a handful of packets times a few dozen rule events; 20000 events are a few MiB.
  static constexpr size_t kDefaultCapPerProbe = 20000;

  explicit EventGate(std::vector<ProbeSpec> probes, size_t cap_per_probe = kDefaultCapPerProbe);

  // Count the event and say whether to keep it.
  bool keep(const NftTraceEvent& e);
  bool keep(const PacketEvent& e);

  // Called after each read of all sources with the sources' cumulative counters.
  void note_losses(Clock::time_point now, const LossCounts& cumulative);

  [[nodiscard]] const EventTally& tally() const { return tally_; }
  [[nodiscard]] const LossCounts& losses() const { return losses_; }
  [[nodiscard]] const std::vector<LossMark>& loss_marks() const { return marks_; }
  // Probe ids that reached the cap.
  [[nodiscard]] const std::set<uint32_t>& capped() const { return capped_; }

 private:
  [[nodiscard]] std::optional<uint32_t> owner(const Flow& f) const;
  bool admit(uint32_t probe_id);

  std::vector<ProbeSpec> probes_;
  size_t cap_;
  std::map<uint32_t, size_t> kept_per_probe_;  // probe id -> events kept
  std::set<uint32_t> capped_;
  // (netns, trace id) of the last header-carrying event of each kept packet -> its probe.
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> kept_ids_;
  EventTally tally_;
  LossCounts losses_;
  std::vector<LossMark> marks_;
  std::optional<Clock::time_point> last_read_;
};

}  // namespace fwpath::model
