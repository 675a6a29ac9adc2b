#pragma once
// --pcap: the probe packets as the tracer saw them at each observation point, one record
// per sighting, raw IP (LINKTYPE_RAW) so any capture reader opens it. BPF sightings carry
// the packet from its network header (a snapshot of up to FWPATH_PKT_SNAP bytes); nft
// trace events carry its IP and transport headers, one record per chain it entered.
#include <pcap/pcap.h>

#include <string>

#include "model/correlator.h"
#include "util/c_handle.h"
#include "util/error.h"

namespace fwpath::output {

class PcapWriter {
 public:
  // Opens (creates or truncates) the file now, so a bad path fails before tracing starts.
  static Result<PcapWriter> open(const std::string& path);
  Status write_session(const model::CorrelatorInput& in);
  [[nodiscard]] size_t records() const { return records_; }

 private:
  using Pcap = CHandle<pcap_t, pcap_close>;
  using Dumper = CHandle<pcap_dumper_t, pcap_dump_close>;
  PcapWriter(Pcap pcap, Dumper dumper, std::string path)
      : pcap_(std::move(pcap)), dumper_(std::move(dumper)), path_(std::move(path)) {}
  void write(const std::vector<uint8_t>& bytes, uint32_t wire_len, model::Clock::time_point at);

  Pcap pcap_;
  Dumper dumper_;
  std::string path_;
  size_t records_ = 0;
};

}  // namespace fwpath::output
