#include "cli/commands.h"

namespace fwpath::cli {
Result<ExitCode> probe(const Args&) {
  return env_error("probe: not implemented yet");
}
}  // namespace fwpath::cli
