#include "lab/tc_drop.h"

#include "lab/netns_exec.h"

namespace fwpath::lab {

Status add_tc_ingress_drop(const NetnsRef& ns, const TcDropSpec& spec) {
  // A second filter on the same device finds the qdisc there: "File exists" is fine.
  if (auto q = run_in_netns(ns, {"tc", "qdisc", "add", "dev", spec.dev, "clsact"}); !q) {
    if (q.error().object.find("File exists") == std::string::npos) return q.take_error();
  }
  const std::string proto = spec.proto == model::L4::Tcp ? "tcp" : "udp";
  auto f = run_in_netns(ns, {"tc", "filter", "add", "dev", spec.dev, "ingress", "protocol", "ip", "flower", "ip_proto",
                             proto, "dst_port", std::to_string(spec.dport), "action", "drop"});
  if (!f) return f.take_error();
  return {};
}

}  // namespace fwpath::lab
