#include "output/pcap_writer.h"

#include <chrono>
#include <set>
#include <tuple>

namespace fwpath::output {

Result<PcapWriter> PcapWriter::open(const std::string& path) {
  Pcap pcap(pcap_open_dead(DLT_RAW, 65535));
  if (!pcap) return env_error("open a pcap writer for", path);
  Dumper dumper(pcap_dump_open(pcap.get(), path.c_str()));
  if (!dumper) return Error{ErrorKind::BadInput, "cannot write pcap file:", pcap_geterr(pcap.get()), 0};
  return PcapWriter(std::move(pcap), std::move(dumper), path);
}

void PcapWriter::write(const std::vector<uint8_t>& bytes, uint32_t wire_len, model::Clock::time_point at) {
  // Steady-clock times become wall-clock times relative to now.
  const auto wall = std::chrono::system_clock::now() -
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(model::Clock::now() - at);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(wall.time_since_epoch()).count();
  pcap_pkthdr h{};
  h.ts.tv_sec = static_cast<time_t>(us / 1000000);
  h.ts.tv_usec = static_cast<suseconds_t>(us % 1000000);
  h.caplen = static_cast<bpf_u_int32>(bytes.size());
  h.len = std::max<bpf_u_int32>(wire_len, h.caplen);
  pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &h, bytes.data());
  ++records_;
}

Status PcapWriter::write_session(const model::CorrelatorInput& in) {
  std::set<std::tuple<uint32_t, uint32_t, std::string, std::string>> chains_seen;
  // Merge both sources in arrival order so the capture reads as the packet's life.
  size_t t = 0;
  size_t p = 0;
  while (t < in.traces.size() || p < in.packets.size()) {
    const bool take_trace =
        p >= in.packets.size() || (t < in.traces.size() && in.traces[t].received <= in.packets[p].received);
    if (take_trace) {
      const auto& e = in.traces[t++];
      if (e.table.rfind("fwpath", 0) == 0) continue;
      if (!chains_seen.insert({e.netns, e.trace_id, e.table, e.chain}).second) continue;
      std::vector<uint8_t> bytes = e.network_header;
      bytes.insert(bytes.end(), e.transport_header.begin(), e.transport_header.end());
      if (!bytes.empty()) write(bytes, static_cast<uint32_t>(bytes.size()), e.received);
    } else {
      const auto& e = in.packets[p++];
      if (!e.packet.empty()) write(e.packet, e.pkt_len, e.received);
    }
  }
  if (pcap_dump_flush(dumper_.get()) != 0) return sys_error("write pcap file", path_);
  return {};
}

}  // namespace fwpath::output
