#include "trace/trace_session.h"

#include <poll.h>

#include <algorithm>
#include <set>

#include "util/parallel.h"
#include "util/signals.h"

namespace fwpath::trace {

namespace {

nft::TracerConfig tracer_config(const std::vector<model::ProbeSpec>& probes) {
  nft::TracerConfig c;
  auto add = [&](model::L4 proto, uint16_t port) {
    nft::WatchPort w{proto, port};
    for (const auto& existing : c.ports) {
      if (existing == w) return;
    }
    c.ports.push_back(w);
  };
  for (const auto& p : probes) {
    add(p.proto, p.source_port);
    add(p.proto, p.target.port);
    if (p.proto == model::L4::Udp) c.udp_markers.push_back(p.marker);
  }
  c.icmp_errors = true;
  return c;
}

}  // namespace

Result<TraceSession> TraceSession::start(const SessionConfig& config) {
  TraceSession s;
  s.gate_ = model::EventGate(config.probes);
  const auto tracer = tracer_config(config.probes);
  std::set<uint32_t> seen;
  std::vector<std::string> names{config.origin_netns};
  names.insert(names.end(), config.extra_netns.begin(), config.extra_netns.end());
  for (const auto& name : names) {
    auto ns = TracedNetns::open(name, tracer);
    if (!ns) return ns.take_error();
    if (!seen.insert(ns->inode).second) continue;  // the same namespace named twice
    for (const auto& t : ns->swept) {
      s.notes_.push_back("removed stale tracer table " + t + " in netns " + ns->label +
                         " (left by a killed fwpath on a kernel without the table owner flag)");
    }
    if (ns->table && !ns->table->owner_flag()) {
      s.notes_.push_back("netns " + ns->label +
                         ": no nftables table owner flag on this kernel; the tracer table is removed on exit, or by "
                         "the next run if fwpath is killed");
    }
    s.namespaces_.push_back(std::move(ns.value()));
  }

  // BPF adds drop reasons and device sightings; without it the nft trace still names
  // every rule, so a failure here degrades the report instead of refusing to run.
  auto bpf = sources::BpfTracer::open();
  if (!bpf) {
    s.notes_.push_back("BPF tracer unavailable (" + bpf.error().message() +
                       "): no kernel drop reasons, no device sightings, drops outside nftables are not seen");
  } else {
    for (const auto& p : config.probes) {
      FWPATH_TRY(bpf->watch(p.proto, p.source_port, p.id));
      FWPATH_TRY(bpf->watch(p.proto, p.target.port, p.id));
      if (p.proto == model::L4::Udp) FWPATH_TRY(bpf->watch_marker(p.marker, p.id));
    }
    // Only the traced namespaces: another run may probe the same ports in another lab.
    for (const auto& ns : s.namespaces_) FWPATH_TRY(bpf->watch_netns(ns.inode));
    bpf->limit_packet_size(model::longest_probe_skb(config.probes));
    for (const auto& d : bpf->degradations()) s.notes_.push_back(d);
    s.bpf_.emplace(std::move(bpf.value()));
  }
  return s;
}

TraceSession::~TraceSession() {
  std::vector<std::function<void()>> teardown;
  if (bpf_) teardown.emplace_back([this] { bpf_.reset(); });
  for (auto& ns : namespaces_) {
    // The table first (the owner flag ties it to its socket), then the listener.
    teardown.emplace_back([&ns] {
      ns.table.reset();
      ns.listener.reset();
    });
  }
  run_in_parallel(teardown);
}

Status TraceSession::pump(std::chrono::milliseconds wait, int wake_fd) {
  std::vector<pollfd> fds;
  for (const auto& ns : namespaces_) fds.push_back({ns.listener->fd(), POLLIN, 0});
  if (bpf_) fds.push_back({bpf_->fd(), POLLIN, 0});
  if (wake_fd >= 0) fds.push_back({wake_fd, POLLIN, 0});
  const int n = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
  if (n < 0 && errno != EINTR) return sys_error("poll trace sources", "");
  if (stop_requested()) return interrupted_error("tracing");
  for (auto& ns : namespaces_) {
    auto r = ns.listener->drain([&](model::NftTraceEvent&& e) { gate_.offer(std::move(e)); });
    if (!r) return r.take_error().context("netns " + ns.label);
  }
  if (bpf_) {
    auto r = bpf_->drain([&](model::PacketEvent&& e, uint32_t /*watch_id*/) { gate_.offer(std::move(e)); });
    if (!r) return r.take_error();
  }
  store(gate_.take_kept());
  gate_.note_losses(model::Clock::now(), losses());
  return {};
}

namespace {

// Appends in arrival order: events the gate held back until it recognised them arrive
// after later ones and go where they were received.
template <typename Event>
Event& insert_by_arrival(std::vector<Event>& events, Event e) {
  if (events.empty() || !(e.received < events.back().received)) return events.emplace_back(std::move(e));
  auto at = std::upper_bound(events.begin(), events.end(), e.received,
                             [](const auto& t, const Event& x) { return t < x.received; });
  return *events.insert(at, std::move(e));
}

}  // namespace

void TraceSession::store(model::KeptEvents&& kept) {
  for (auto& e : kept.traces) {
    const auto& stored = insert_by_arrival(traces_, std::move(e));
    if (on_trace) on_trace(stored);
  }
  for (auto& e : kept.packets) {
    const auto& stored = insert_by_arrival(packets_, std::move(e));
    if (on_packet) on_packet(stored);
  }
}

model::LossCounts TraceSession::losses() const {
  model::LossCounts n;
  for (const auto& ns : namespaces_) {
    n.trace_overruns += ns.listener->overruns();
    n.undecodable += ns.listener->undecodable();
  }
  if (bpf_) {
    auto lost = bpf_->lost_events();
    if (lost) n.bpf_events = lost.value();
  }
  return n;
}

void TraceSession::symbolize_drops(std::vector<model::PacketEvent>& events) const {
  if (!bpf_) return;
  for (auto& e : events) bpf_->symbolize(e);
}

std::string TraceSession::netns_label(uint32_t inode) const {
  for (const auto& ns : namespaces_) {
    if (ns.inode == inode) return ns.label;
  }
  return "netns:" + std::to_string(inode);
}

}  // namespace fwpath::trace
