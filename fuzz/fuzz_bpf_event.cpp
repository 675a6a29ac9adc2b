// Bytes -> struct fwpath_event -> the model's PacketEvent -> the packet parser, the path
// a ring buffer record takes. The record comes from our own BPF program, but its packet
// bytes (pkt[], snap_len) are whatever arrived on the wire.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fwpath_events.h"
#include "model/flow.h"
#include "sources/bpf_event_convert.h"

namespace {

const fwpath::sources::Kallsyms& symbols() {
  static const auto k = fwpath::sources::Kallsyms::parse(
      "ffffffff81000000 T _stext\n"
      "ffffffff81a00000 t kfree_skb_reason\n"
      "ffffffff81a00100 T nf_hook_slow\n"
      "ffffffffc0000000 t nft_do_chain\t[nf_tables]\n");
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fwpath_event ev{};
  std::memcpy(&ev, data, std::min(size, sizeof(ev)));
  const fwpath::sources::DropReasons reasons;
  auto pe = fwpath::sources::to_packet_event(ev, reasons);
  if (pe) {
    fwpath::sources::symbolize_drop(*pe, symbols());
    // Exactly the copied bytes, on the heap, so that ASan sees a read past them.
    const std::vector<uint8_t> pkt(pe->packet);
    (void)fwpath::model::parse_ip_packet(pkt.data(), pkt.size());
  }
  return 0;
}
