#include "cli/commands.h"

namespace fwpath::cli {
Result<ExitCode> kernel_check(const Args&) {
  return env_error("kernel-check: not implemented yet");
}
}  // namespace fwpath::cli
