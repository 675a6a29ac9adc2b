#include "trace/traced_netns.h"

#include "nft/stale_tables.h"
#include "util/netns.h"
#include "util/test_knobs.h"

namespace fwpath::trace {

Result<TracedNetns> TracedNetns::open(const std::string& name, const nft::TracerConfig& config) {
  TracedNetns t;
  t.label = name.empty() ? "host" : name;
  auto fd = name.empty() ? open_current_netns() : open_named_netns(name);
  if (!fd) return fd.take_error();
  t.fd = std::move(fd.value());
  auto inode = netns_inode(t.fd.get());
  if (!inode) return inode.take_error();
  t.inode = inode.value();

  // Tables of fwpath processes killed on kernels without the owner flag.
  auto swept = nft::sweep_stale_tables(t.fd.get(), t.label);
  if (!swept) return swept.take_error().context("netns " + t.label);
  t.swept = std::move(swept.value());

  // Lists nothing now: the correlator asks for the chains the trace went through.
  t.snapshot.emplace(ruleset::Snapshot::in_netns(t.fd.get(), t.label));

  // The kernel only emits trace events while someone listens: listen first.
  const auto rcvbuf = test_knob("FWPATH_TEST_NL_RCVBUF");  // overload tests only (util/test_knobs.h)
  auto listener = nft::TraceListener::open(
      t.fd.get(), t.label, rcvbuf ? static_cast<int>(*rcvbuf) : nft::TraceListener::kReceiveBufferBytes);
  if (!listener) return listener.take_error().context("netns " + t.label);
  t.listener.emplace(std::move(listener.value()));

  auto table = nft::TracerTable::install(t.fd.get(), t.label, config);
  if (!table) return table.take_error().context("netns " + t.label);
  t.table.emplace(std::move(table.value()));
  return t;
}

}  // namespace fwpath::trace
