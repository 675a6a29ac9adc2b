#pragma once
// A path an audit requires: a transport protocol and a port, as written on the command
// line ("tcp:6443", "udp:51840"). Pure.
#include <cstdint>
#include <string>
#include <vector>

#include "model/flow.h"
#include "util/error.h"

namespace fwpath::audit {

struct Requirement {
  model::L4 proto = model::L4::Tcp;
  uint16_t port = 0;
  [[nodiscard]] std::string str() const;  // "tcp:6443"
  friend bool operator==(const Requirement&, const Requirement&) = default;
};

// "tcp:PORT" or "udp:PORT", PORT 1..65535, nothing else; BadInput naming the text.
Result<Requirement> parse_requirement(const std::string& text);

// Every text parsed, duplicates dropped (first kept); BadInput on the first bad one, or
// when there is none at all.
Result<std::vector<Requirement>> parse_requirements(const std::vector<std::string>& texts);

}  // namespace fwpath::audit
