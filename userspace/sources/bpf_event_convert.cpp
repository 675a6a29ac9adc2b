#include "sources/bpf_event_convert.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace fwpath::sources {

namespace {

std::optional<model::PacketEventKind> kind_of(uint32_t kind) {
  switch (kind) {
    case FWPATH_EV_DROP: return model::PacketEventKind::Drop;
    case FWPATH_EV_XMIT: return model::PacketEventKind::Transmit;
    case FWPATH_EV_RECV: return model::PacketEventKind::Receive;
    default: return std::nullopt;
  }
}

// "nft_do_chain+0x46f/0x9a0 [nf_tables]" as the kernel's %pS prints it -> "nft_do_chain+0x46f",
// the form kallsyms symbolization gives. A bare address (no symbol found) names nothing.
std::string location_from_kernel(const char* text, size_t size) {
  std::string_view name(text, strnlen(text, size));
  name = name.substr(0, name.find_first_of("/ "));
  if (name.empty() || name.substr(0, 2) == "0x") return {};
  return std::string(name);
}

}  // namespace

std::optional<model::PacketEvent> to_packet_event(const fwpath_event& ev, const DropReasons& reasons) {
  const auto kind = kind_of(ev.kind);
  if (!kind) return std::nullopt;
  model::PacketEvent out;
  out.kind = *kind;
  out.ts_ns = ev.ts_ns;
  out.skb = ev.skb;
  out.netns = ev.netns;
  out.ifindex = ev.ifindex;
  // The kernel copies at most IFNAMSIZ bytes; a 15-character name fills it with its NUL.
  out.ifname.assign(ev.ifname, strnlen(ev.ifname, sizeof(ev.ifname)));
  if ((ev.flags & FWPATH_F_HAS_REASON) != 0) {
    out.reason_code = ev.reason;
    out.reason = reasons.name(ev.reason).value_or("");
  }
  out.location = ev.location;
  if (*kind == model::PacketEventKind::Drop && (ev.flags & FWPATH_F_LOCATION_NAMED) != 0) {
    out.location_symbol = location_from_kernel(ev.location_name, sizeof(ev.location_name));
  }
  if ((ev.flags & FWPATH_F_MARKER) != 0) out.marker_probe = ev.watch_id;
  out.pkt_len = ev.pkt_len;
  const size_t snap = std::min<size_t>(ev.snap_len, sizeof(ev.pkt));
  out.packet.assign(ev.pkt, ev.pkt + snap);
  return out;
}

void symbolize_drop(model::PacketEvent& event, const Kallsyms& symbols) {
  if (event.kind != model::PacketEventKind::Drop || event.location == 0 || !event.location_symbol.empty()) return;
  event.location_symbol = symbols.symbolize(event.location).value_or("");
}

}  // namespace fwpath::sources
