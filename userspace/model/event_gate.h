#pragma once
// Decides, as events are read, which ones are kept for the correlator, so that a flood of
// unrelated traffic through the probed port cannot grow memory without bound, and keeps
// the loss accounting the reports need to be honest about what they did not see.
//
// Kept: events whose flow is one of a probe's flows. At the start those are the flows
// that carry a probe's source port (either side; for an ICMP error, the flow it quotes),
// the one field the probe chose that survives DNAT and port-preserving SNAT. The gate
// then learns the flows a probe's packet was rewritten to, as it sees them:
//   - a packet the kernel side knew by the probe's UDP marker, whatever its ports (after
//     a port-changing SNAT, e.g. a fully random masquerade);
//   - a later header of the same packet (same namespace and trace id) with the same
//     source endpoint: a DNAT between two hooks;
//   - an ICMP error whose quote an nft trace cuts short, when BPF saw the same error
//     (same bytes, same namespace) quoting a probe's flow (model/icmp_twin.h);
// and each learnt flow's reverse, for replies. nft trace events without headers follow
// the kept event of their packet (same namespace and trace id).
//
// The trace socket and the ring buffer are read one after the other, so the event that
// teaches a rewritten flow can be read after the events that show it (the next
// namespace's hook read before the device that sent the packet there). Events not (yet)
// recognised are therefore held for a short while, bounded in time and number, and
// released in arrival order when a flow learnt later makes them the probe's; what is
// never recognised is counted in ignored_foreign and dropped. The correlator then
// attributes the kept events by the probe's exact tuples.
//
// Each probe keeps at most a fixed number of events; beyond it the probe is marked capped
// (its report becomes incomplete).
//
// Losses: the sources only report cumulative counters; note_losses() turns each increase
// into a LossMark with the interval it happened in, so that the correlator can mark
// exactly the probes whose window overlapped it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <variant>
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
  uint64_t ignored_foreign = 0;  // not of any probe's flow (held ones included): not kept
  uint64_t over_cap = 0;         // of a probe that already had its cap: not kept
  std::optional<Clock::time_point> first_trace;
  std::optional<Clock::time_point> last_trace;
};

// The events the gate let through since the last take_kept(), each list in arrival order.
struct KeptEvents {
  std::vector<NftTraceEvent> traces;
  std::vector<PacketEvent> packets;
};

class EventGate {
 public:
  // A probe keeps at most this many events (nft and BPF together). A probe's exchange
  // is a handful of packets times a few dozen rule events; 20000 events are a few MiB.
  static constexpr size_t kDefaultCapPerProbe = 20000;
  // Unrecognised events are held this long at most (by their arrival), and at most this
  // many at once: enough to span a few reads of every source; a flood only turns the
  // held events over faster.
  static constexpr std::chrono::milliseconds kHoldFor{1000};
  static constexpr size_t kMaxHeld = 16384;

  explicit EventGate(std::vector<ProbeSpec> probes, size_t cap_per_probe = kDefaultCapPerProbe);

  // Counts the event and keeps it, holds it or drops it.
  void offer(NftTraceEvent e);
  void offer(PacketEvent e);
  // The kept events, those released from the hold included, since the last call.
  KeptEvents take_kept();

  // Called after each read of all sources: drops held events older than kHoldFor, and
  // turns the sources' cumulative counters into loss marks.
  void note_losses(Clock::time_point now, const LossCounts& cumulative);

  // Held events count as ignored: at the time of asking they are not the probes'.
  [[nodiscard]] EventTally tally() const;
  [[nodiscard]] const LossCounts& losses() const { return losses_; }
  [[nodiscard]] const std::vector<LossMark>& loss_marks() const { return marks_; }
  // Probe ids that reached the cap.
  [[nodiscard]] const std::set<uint32_t>& capped() const { return capped_; }

 private:
  using TraceKey = std::pair<uint32_t, uint32_t>;  // (netns, trace id)
  struct Held {
    uint64_t seq = 0;
    std::variant<NftTraceEvent, PacketEvent> event;
    std::optional<Flow> flow;  // the headers' flow; none for a trace event without headers
    bool icmp_error = false;   // `flow` is the one an ICMP error quotes
    std::optional<TraceKey> trace;
    std::optional<uint64_t> follows;     // without headers: the seq of its packet's header event
    std::vector<uint8_t> unquoted_icmp;  // a trace's ICMP error cut short: its bytes, for twin_owner()
  };
  // An ICMP error about a probe's flow that BPF saw whole.
  struct IcmpTwin {
    uint32_t netns = 0;
    std::vector<uint8_t> packet;
    uint32_t probe = 0;
  };
  struct Learnt {
    Flow flow;
    uint32_t probe = 0;
  };

  [[nodiscard]] std::optional<uint32_t> owner(const Flow& f) const;
  [[nodiscard]] std::optional<uint32_t> twin_owner(uint32_t netns, const std::vector<uint8_t>& start) const;
  void learn(const Flow& f, uint32_t probe);
  // Decides a trace event with headers; nullopt: not (yet) a probe's.
  [[nodiscard]] std::optional<uint32_t> same_packet_after_dnat(const TraceKey& key, const ParsedPacket& pkt);
  void keep(std::variant<NftTraceEvent, PacketEvent>&& e, uint32_t probe, uint64_t seq);
  bool admit(uint32_t probe_id);
  void hold(Held h);
  void release_recognised();
  void drop_held_front();

  std::vector<ProbeSpec> probes_;
  size_t cap_;
  std::map<uint32_t, size_t> kept_per_probe_;  // probe id -> events kept
  std::set<uint32_t> capped_;
  std::vector<Learnt> learnt_;  // flows learnt for a probe, each with its reverse
  std::vector<IcmpTwin> icmp_twins_;
  // The last header-carrying event of each packet still in view: its flow and, when it
  // was kept, its probe (a held one's events are held with it).
  struct PacketInView {
    Flow flow;
    uint64_t seq = 0;
    std::optional<uint32_t> probe;
  };
  std::map<TraceKey, PacketInView> in_view_;
  std::deque<Held> held_;  // in arrival order
  bool learnt_since_release_ = false;
  uint64_t next_seq_ = 0;
  std::vector<std::pair<uint64_t, NftTraceEvent>> kept_traces_;
  std::vector<std::pair<uint64_t, PacketEvent>> kept_packets_;
  EventTally tally_;
  LossCounts losses_;
  std::vector<LossMark> marks_;
  std::optional<Clock::time_point> last_read_;
};

}  // namespace fwpath::model
