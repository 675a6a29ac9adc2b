#include "trace/probe_runner.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "model/conntrack_candidates.h"
#include "sources/conntrack_lookup.h"
#include "sources/legacy_counters.h"
#include "sources/neighbours.h"
#include "sources/probe_socket.h"
#include "util/unique_fd.h"

namespace fwpath::trace {

namespace {

// The longest the trace loop sleeps while a probe is out with nothing happening.
constexpr std::chrono::milliseconds kIdleWait{100};

using Clock = model::Clock;

model::SocketResult to_socket_result(const sources::ProbeResult& r) {
  model::SocketResult s;
  s.local = r.flow.src;
  s.elapsed_ms = static_cast<double>(r.elapsed.count()) / 1000.0;
  switch (r.outcome) {
    case sources::ProbeOutcome::Connected: s.outcome = model::SocketOutcome::Connected; break;
    case sources::ProbeOutcome::Refused:
      s.outcome = model::SocketOutcome::Reset;
      s.err = ECONNREFUSED;  // what connect() reports for the RST
      break;
    case sources::ProbeOutcome::Reply: s.outcome = model::SocketOutcome::Reply; break;
    case sources::ProbeOutcome::IcmpError: s.outcome = model::SocketOutcome::IcmpError; break;
    case sources::ProbeOutcome::Timeout:
    case sources::ProbeOutcome::NoReply: s.outcome = model::SocketOutcome::Timeout; break;
    case sources::ProbeOutcome::LocalError: s.outcome = model::SocketOutcome::Error; break;
  }
  if (r.icmp) {
    s.icmp_type = r.icmp->type;
    s.icmp_code = r.icmp->code;
    s.peer = r.icmp->offender.str();
    s.err = r.icmp->err;
  }
  if (r.reply_from) s.peer = r.reply_from->str();
  if (r.outcome == sources::ProbeOutcome::Connected || r.outcome == sources::ProbeOutcome::Refused) {
    s.peer = r.flow.dst.str();
  }
  if (r.outcome == sources::ProbeOutcome::LocalError) {
    s.err = r.local_errno;
    s.detail = "the sending host refused to send it: " + sources::to_string(r);
  }
  return s;
}

// Whether an event shows one of the probe's packets dying in one of the traced
// namespaces. A death elsewhere is another run's packet with the same ports (the BPF
// side filters by namespace too; this holds where it could not read one).
struct DeathWatch {
  const model::ProbeSpec& spec;
  std::set<uint32_t> traced_netns;
  std::optional<Clock::time_point> died_at;
  std::optional<Clock::time_point> died_kernel;  // the drop event's own time

  [[nodiscard]] bool ours(const model::Flow& f) const {
    if (f.proto != spec.proto) return false;
    return f.src.port == spec.source_port || f.dst.port == spec.source_port || f.dst.port == spec.target.port ||
           f.src.port == spec.target.port;
  }
  void packet(const model::PacketEvent& e) {
    if (e.kind != model::PacketEventKind::Drop || e.packet.empty()) return;
    if (traced_netns.count(e.netns) == 0) return;
    auto p = model::parse_ip_packet(e.packet.data(), e.packet.size());
    // Known by its UDP marker: ours, whatever NAT made of its ports.
    const bool by_marker = e.marker_probe == spec.id;
    if (!p || !(ours(p->flow) || by_marker)) return;
    if (!died_at) died_at = Clock::now();
    // The kernel's own time of death, even when the nft trace's drop verdict was read
    // first (the trace sockets are drained before the ring buffer). bpf_ktime_get_ns() and
    // steady_clock both read CLOCK_MONOTONIC.
    if (!died_kernel && e.ts_ns != 0) died_kernel = Clock::time_point(std::chrono::nanoseconds(e.ts_ns));
  }
  void trace(const model::NftTraceEvent& e) {
    if (e.verdict != model::Verdict::Drop || e.table.rfind("fwpath", 0) == 0) return;
    if (traced_netns.count(e.netns) == 0) return;
    std::vector<uint8_t> buf = e.network_header;
    buf.insert(buf.end(), e.transport_header.begin(), e.transport_header.end());
    auto p = model::parse_ip_packet(buf.data(), buf.size());
    if (p && ours(p->flow) && !died_at) died_at = Clock::now();
  }
};

// The probe's conntrack entries in every traced namespace, looked up by the tuples its
// packets showed there (model/conntrack_candidates.h).
Status list_conntrack(TraceSession& session, const model::Flow& socket_flow, Clock::time_point since,
                      std::vector<model::ConntrackSighting>& out) {
  for (const auto& ns : session.namespaces()) {
    const auto tuples = model::conntrack_candidates(socket_flow, ns.inode, since, session.traces(), session.packets());
    auto entries = sources::lookup_conntrack(ns.fd.get(), ns.label, tuples);
    if (!entries) return entries.take_error().context("netns " + ns.label);
    for (const auto& e : entries.value()) out.push_back({ns.inode, e.original, e.reply, e.status_text()});
  }
  return {};
}

// The neighbour entries (ARP/ND) of every traced namespace that have no link-layer address:
// a packet routed to one of them waits there, neither sent nor dropped yet.
Status list_unresolved_neighbours(TraceSession& session, std::vector<model::NeighbourSighting>& out) {
  for (auto& ns : session.namespaces()) {
    auto entries = sources::unresolved_neighbours(ns.fd.get(), ns.label);
    if (!entries) return entries.take_error().context("netns " + ns.label);
    for (const auto& e : entries.value()) out.push_back({ns.inode, e.addr, e.device, e.state});
  }
  return {};
}

// The iptables-legacy counters of each traced namespace that uses legacy tables of the
// probe's family, read before it is sent: a drop no nft rule made is then attributed by
// what went up (model/legacy_attribution.h). Unreadable ones become the probe's notes.
struct LegacyCounters {
  const TracedNetns* ns = nullptr;
  model::XtTables before;
};

std::vector<LegacyCounters> read_legacy_before(TraceSession& session, bool v6, std::vector<std::string>& notes) {
  std::vector<LegacyCounters> out;
  for (const auto& ns : session.namespaces()) {
    auto tables = sources::read_legacy_counters(ns.fd.get(), ns.label, v6);
    if (!tables) {
      notes.push_back("iptables-legacy counters not read, a legacy drop there is not attributed to a rule: " +
                      tables.error().message());
    } else if (tables.value()) {
      out.push_back({&ns, std::move(*tables.value())});
    }
  }
  return out;
}

void read_legacy_after(const std::vector<LegacyCounters>& before, bool v6, model::ProbeWindow& w) {
  for (const auto& b : before) {
    auto after = sources::read_legacy_counters(b.ns->fd.get(), b.ns->label, v6);
    if (!after) {
      w.notes.push_back("iptables-legacy counters not read, a legacy drop there is not attributed to a rule: " +
                        after.error().message());
      continue;
    }
    // Gone meanwhile (the namespace's tables were all removed): nothing to compare.
    if (!after.value()) continue;
    w.legacy.push_back({b.ns->inode, model::counters_moved(b.before, *after.value())});
  }
}

Result<model::ProbeWindow> run_one(TraceSession& session, const model::ProbeSpec& spec, const RunnerOptions& o) {
  model::ProbeWindow w;
  w.spec = spec;
  UniqueFd cancel(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!cancel.valid()) return sys_error("create eventfd for probe", spec.target_text);

  sources::ProbeOptions opt;
  opt.dst = spec.target;
  opt.src_port = spec.source_port;
  opt.timeout = o.timeout;
  opt.netns_fd = o.origin_netns_fd;
  opt.marker = spec.marker;
  opt.udp_payload = spec.udp_payload;
  opt.dont_fragment = spec.dont_fragment;
  opt.cancel_fd = cancel.get();

  DeathWatch death{spec, {}, std::nullopt, std::nullopt};
  for (const auto& ns : session.namespaces()) death.traced_netns.insert(ns.inode);
  session.on_packet = [&](const model::PacketEvent& e) { death.packet(e); };
  session.on_trace = [&](const model::NftTraceEvent& e) { death.trace(e); };

  // The sender says it has finished through `finished`, so that the loop below sleeps
  // until an event, the probe's end or a deadline: a tracer left attached to a busy node
  // must not wake up hundreds of times a second for nothing.
  UniqueFd finished(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!finished.valid()) return sys_error("create eventfd for probe", spec.target_text);

  const auto legacy = read_legacy_before(session, spec.target.addr.v6, w.notes);
  w.start = Clock::now();
  std::atomic<bool> done{false};
  std::optional<Result<sources::ProbeResult>> result;
  std::thread sender([&] {
    result.emplace(spec.proto == model::L4::Tcp ? sources::probe_tcp(opt) : sources::probe_udp(opt));
    done.store(true);
    const uint64_t one = 1;
    // Cannot fail short of a full counter; the loop's bounded wait covers it anyway.
    (void)::write(finished.get(), &one, sizeof(one));
  });
  Status pumped;
  bool cancelled = false;
  while (!done.load()) {
    // Bounded even with nothing to wait for: a signal may be delivered to the sender
    // thread, and stop_requested() is checked once per pump.
    auto wait = kIdleWait;
    if (death.died_at && !cancelled) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*death.died_at + o.death_grace - Clock::now());
      wait = std::clamp(left, std::chrono::milliseconds(0), wait);
    }
    pumped = session.pump(wait, finished.get());
    const bool died = death.died_at && Clock::now() - *death.died_at > o.death_grace;
    if ((!pumped || died) && !cancelled) {
      const uint64_t one = 1;
      if (::write(cancel.get(), &one, sizeof(one)) != sizeof(one)) return sys_error("cancel probe", spec.target_text);
      cancelled = true;
    }
  }
  sender.join();
  session.on_packet = nullptr;
  session.on_trace = nullptr;
  if (!pumped) return pumped.take_error();
  // Events of the last moments (the reply's way back) are already queued: read them.
  FWPATH_TRY(session.pump(std::chrono::milliseconds(0)));
  w.end = Clock::now();
  read_legacy_after(legacy, spec.target.addr.v6, w);
  if (!result) return env_error("probe thread ended without a result for", spec.target_text);
  if (!*result) return result->take_error().context("probe " + spec.target_text);
  FWPATH_TRY(list_conntrack(session, result->value().flow, w.start, w.conntrack));
  w.socket = to_socket_result(result->value());
  // Only a silent probe whose packet was not seen dying can have been held on the way.
  if (w.socket.outcome == model::SocketOutcome::Timeout && !death.died_at) {
    FWPATH_TRY(list_unresolved_neighbours(session, w.neighbours));
  }
  w.sent = result->value().sent_at;
  w.death_seen = death.died_at;
  w.died = death.died_kernel;
  return w;
}

}  // namespace

Result<std::vector<model::ProbeWindow>> run_probes(TraceSession& session, const std::vector<model::ProbeSpec>& specs,
                                                   const RunnerOptions& options) {
  std::vector<model::ProbeWindow> windows;
  for (const auto& spec : specs) {
    auto w = run_one(session, spec, options);
    if (!w) return w.take_error();
    windows.push_back(std::move(w.value()));
  }
  return windows;
}

}  // namespace fwpath::trace
