#include "model/path.h"

namespace fwpath::model {

std::string to_string(Direction d) {
  return d == Direction::Request ? "request" : "reply";
}

std::string to_string(SocketOutcome o) {
  switch (o) {
    case SocketOutcome::Connected: return "connected";
    case SocketOutcome::Reset: return "reset";
    case SocketOutcome::IcmpError: return "icmp-error";
    case SocketOutcome::Reply: return "reply";
    case SocketOutcome::Timeout: return "timeout";
    case SocketOutcome::Error: return "error";
  }
  return "unknown";
}

std::string to_string(Outcome o) {
  switch (o) {
    case Outcome::Reached: return "reached";
    case Outcome::Dropped: return "dropped";
    case Outcome::Rejected: return "rejected";
    case Outcome::NoReply: return "no-reply";
    case Outcome::Error: return "error";
  }
  return "error";
}

}  // namespace fwpath::model
