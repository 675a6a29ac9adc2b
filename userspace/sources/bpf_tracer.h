#pragma once
// Owner of the tracer's BPF side (bpf/tracer.bpf.c): loads it, attaches its three
// programs (raw tracepoints, or classic ones where raw ones cannot be attached), fills
// its watch list, and turns its ring-buffer records into
// model::PacketEvent. Everything it created (programs, links, maps, the ring buffer) is
// released when the owner is destroyed, on every exit path.
//
// Typical use, from one thread:
//   FWPATH_TRY(ensure_tracefs());          // before any thread: see util/tracefs.h
//   auto tracer = BpfTracer::open();
//   FWPATH_TRY(tracer->watch(model::L4::Udp, 51820, 1));
//   poll({tracer->fd(), POLLIN}, ...);     // then
//   tracer->drain([](model::PacketEvent&& ev, uint32_t watch_id) { ... });
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/events.h"
#include "model/flow.h"
#include "util/error.h"

namespace fwpath::sources {

class BpfTracer {
 public:
  // Receives each event with the id given to watch() for the entry it matched. Called on
  // the thread that calls drain().
  using Sink = std::function<void(model::PacketEvent&& event, uint32_t watch_id)>;

  // How the programs are attached.
  enum class Attachment {
    TpBtf,          // BTF-typed device tracepoints (tracing program type): the cheapest, tried first
    RawTracepoint,  // no perf record per packet, but skb fields read with helper calls
    Tracepoint,     // classic tracepoints: the fallback when raw ones cannot be attached
  };

  // Opens, loads and attaches skb:kfree_skb, net:net_dev_start_xmit and
  // net:netif_receive_skb: the device tracepoints as tp_btf programs where the kernel has
  // the tracing program type, else as raw tracepoints, kfree_skb as a raw tracepoint (the
  // variant that reads a drop reason only where the kernel's BTF says the tracepoint
  // passes one); else everything as classic tracepoints. Needs CAP_BPF+CAP_PERFMON (or
  // CAP_SYS_ADMIN). The classic fallback needs tracefs: the caller runs
  // fwpath::ensure_tracefs() first, before it starts any thread (the tracepoint ids are read
  // from tracefs). Errors carry libbpf's errno and its last warnings (e.g. the verifier's
  // verdict).
  static Result<BpfTracer> open();

  BpfTracer(BpfTracer&&) noexcept;
  BpfTracer& operator=(BpfTracer&&) noexcept;
  BpfTracer(const BpfTracer&) = delete;
  BpfTracer& operator=(const BpfTracer&) = delete;
  ~BpfTracer();

  // Reports packets whose L4 protocol is `proto` and whose source or destination port is
  // `port` (in any namespace, before and after NAT), tagged with `id`. Re-watching a key
  // replaces its id. At most FWPATH_MAX_WATCH keys (E2BIG beyond).
  Status watch(model::L4 proto, uint16_t port, uint32_t id);
  Status unwatch(model::L4 proto, uint16_t port);
  // Also reports UDP packets whose payload is a WireGuard-shaped handshake initiation
  // (148 bytes, type 1) with `marker` as its sender index, whatever their ports: a probe
  // whose ports NAT rewrote (DNAT to another port, random SNAT) is still followed.
  // Tagged with `id`. At most FWPATH_MAX_WATCH markers (E2BIG beyond).
  Status watch_marker(uint32_t marker, uint32_t id);
  // Reports only packets of the network namespaces given here (inode numbers), once at
  // least one is: another fwpath run may send probes with the same ports elsewhere. A
  // packet whose namespace cannot be read (no device, no socket) is not reported then.
  // At most FWPATH_MAX_NETNS namespaces (E2BIG beyond).
  Status watch_netns(uint32_t inode);

  // Packets longer than `bytes` (skb->len, link header included) are not a probe's: the
  // tp_btf programs skip them unread (bulk traffic's GSO aggregates). Default: no limit.
  void limit_packet_size(uint32_t bytes);

  [[nodiscard]] Attachment attachment() const;

  // Becomes readable (POLLIN) when events are waiting: poll it, then drain().
  [[nodiscard]] int fd() const;

  // Hands every waiting event to `sink`, in the order the kernel reserved them, and
  // returns how many it handed over. Does not block. An exception thrown by the sink
  // propagates after the ring buffer's read position has been saved.
  Result<size_t> drain(const Sink& sink);

  // Events the kernel side could not report because the ring buffer was full (summed
  // over CPUs). Non-zero means the report is incomplete.
  [[nodiscard]] Result<uint64_t> lost_events() const;
  // Packets that matched the watch list (summed over CPUs): reported plus lost.
  [[nodiscard]] Result<uint64_t> matched_packets() const;

  // Names a drop event's location from the kernel's symbols (read in the background from
  // open() on; this waits for that read if it has not finished).
  void symbolize(model::PacketEvent& event) const;

  // Whether the kernel names drop locations itself (bpf_snprintf, 5.13 on): then
  // /proc/kallsyms is never read.
  [[nodiscard]] bool kernel_names_locations() const;

  // Whether this kernel's kfree_skb carries a drop reason (5.17 on). Without it, drops
  // have a location but no reason_code.
  [[nodiscard]] bool kernel_has_drop_reasons() const;
  // What works less well here than it could, one sentence each (no reason names, no
  // symbols); empty when everything is available.
  [[nodiscard]] const std::vector<std::string>& degradations() const;
  // The kernel ids of the loaded programs (for diagnostics and leak checks).
  [[nodiscard]] Result<std::vector<uint32_t>> program_ids() const;

  struct State;  // public only so that the ring-buffer callback can reach it

 private:
  explicit BpfTracer(std::unique_ptr<State> state);
  [[nodiscard]] Result<uint64_t> counter(uint32_t index) const;
  // Heap-held so that the ring buffer's context pointer survives moves of the owner.
  std::unique_ptr<State> s_;
};

}  // namespace fwpath::sources
