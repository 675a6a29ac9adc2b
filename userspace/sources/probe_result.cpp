#include <cstring>

#include "sources/probe_socket.h"

namespace fwpath::sources {

namespace {
// "EPERM (Operation not permitted)": the symbol is what people search for.
std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  return (name != nullptr ? std::string(name) : "errno " + std::to_string(err)) + " (" + std::strerror(err) + ")";
}
}  // namespace

std::string to_string(ProbeOutcome o) {
  switch (o) {
    case ProbeOutcome::Connected: return "connected";
    case ProbeOutcome::Refused: return "refused";
    case ProbeOutcome::Reply: return "reply";
    case ProbeOutcome::IcmpError: return "icmp-error";
    case ProbeOutcome::Timeout: return "timeout";
    case ProbeOutcome::NoReply: return "no-reply";
    case ProbeOutcome::LocalError: return "local-error";
  }
  return "unknown";
}

std::string to_string(const ProbeResult& r) {
  std::string out = to_string(r.outcome);
  switch (r.outcome) {
    case ProbeOutcome::IcmpError:
      if (r.icmp) {
        out += std::string(r.icmp->v6 ? " icmpv6" : "") + " type " + std::to_string(r.icmp->type) + " code " +
               std::to_string(r.icmp->code) + " from " + r.icmp->offender.str();
      }
      break;
    case ProbeOutcome::Reply:
      out += " " + std::to_string(r.reply_bytes) + " bytes";
      if (r.reply_from) out += " from " + r.reply_from->str();
      break;
    case ProbeOutcome::LocalError: out += " " + errno_text(r.local_errno); break;
    default: break;
  }
  return out;
}

}  // namespace fwpath::sources
