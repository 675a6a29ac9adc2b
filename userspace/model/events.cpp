#include "model/events.h"

#include <array>
#include <utility>

namespace fwpath::model {

namespace {
constexpr std::array<std::pair<Hook, const char*>, 7> kHooks = {{
    {Hook::Ingress, "ingress"},
    {Hook::Prerouting, "prerouting"},
    {Hook::Input, "input"},
    {Hook::Forward, "forward"},
    {Hook::Output, "output"},
    {Hook::Postrouting, "postrouting"},
    {Hook::Egress, "egress"},
}};
}  // namespace

std::string to_string(Hook h) {
  for (const auto& [hook, name] : kHooks) {
    if (hook == h) return name;
  }
  return "unknown";
}

std::optional<Hook> hook_from_string(const std::string& s) {
  for (const auto& [hook, name] : kHooks) {
    if (s == name) return hook;
  }
  return std::nullopt;
}

std::string to_string(TraceType t) {
  switch (t) {
    case TraceType::Rule: return "rule";
    case TraceType::Return: return "return";
    case TraceType::Policy: return "policy";
    case TraceType::Unknown: break;
  }
  return "unknown";
}

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::Accept: return "accept";
    case Verdict::Drop: return "drop";
    case Verdict::Continue: return "continue";
    case Verdict::Jump: return "jump";
    case Verdict::Goto: return "goto";
    case Verdict::Return: return "return";
    case Verdict::Break: return "break";
    case Verdict::Queue: return "queue";
    case Verdict::Stolen: return "stolen";
    case Verdict::Repeat: return "repeat";
    case Verdict::Stop: return "stop";
    case Verdict::Unknown: break;
  }
  return "unknown";
}

std::string to_string(PacketEventKind k) {
  switch (k) {
    case PacketEventKind::Drop: return "drop";
    case PacketEventKind::Transmit: return "transmit";
    case PacketEventKind::Receive: return "receive";
  }
  return "unknown";
}

}  // namespace fwpath::model
