#include "audit/requirement.h"

#include <algorithm>

namespace fwpath::audit {

std::string Requirement::str() const {
  return model::to_string(proto) + ":" + std::to_string(port);
}

Result<Requirement> parse_requirement(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return input_error("bad --require '" + text + "': " + why, "(expected tcp:PORT or udp:PORT)");
  };
  const auto colon = text.find(':');
  if (colon == std::string::npos) return bad("no ':'");
  const std::string proto = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  Requirement r;
  if (proto == "tcp") {
    r.proto = model::L4::Tcp;
  } else if (proto == "udp") {
    r.proto = model::L4::Udp;
  } else {
    return bad("unknown protocol '" + proto + "'");
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("port is not a number");
  }
  const unsigned long value = std::stoul(port);
  if (value < 1 || value > 65535) return bad("port out of range 1..65535");
  r.port = static_cast<uint16_t>(value);
  return r;
}

Result<std::vector<Requirement>> parse_requirements(const std::vector<std::string>& texts) {
  if (texts.empty()) return input_error("no --require given", "(at least one of tcp:PORT or udp:PORT)");
  std::vector<Requirement> out;
  for (const auto& t : texts) {
    auto r = parse_requirement(t);
    if (!r) return r.take_error();
    if (std::find(out.begin(), out.end(), r.value()) == out.end()) out.push_back(r.value());
  }
  return out;
}

}  // namespace fwpath::audit
