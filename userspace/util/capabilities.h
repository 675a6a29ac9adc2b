#pragma once
// The capabilities a command needs, checked before it touches the kernel so that an
// unprivileged run ends with one line naming what is missing (exit 3) instead of an
// obscure EPERM halfway through.
#include <string>
#include <vector>

#include "util/error.h"

namespace fwpath {

enum class Cap : int {
  NetAdmin = 12,
  SysAdmin = 21,
  Perfmon = 38,
  Bpf = 39,
};

std::string cap_name(Cap c);

// Effective capabilities of this process, from /proc/self/status.
Result<unsigned long long> effective_caps();

// Returns an Environment error naming every missing capability, or success.
Status require_caps(const std::vector<Cap>& caps, const std::string& command);

}  // namespace fwpath
