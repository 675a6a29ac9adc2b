// The command line's HOST:PORT, [V6]:PORT and the kubeconfig server URL. Only the pure
// split is fuzzed: resolve_target would hand names to the system resolver.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/targets.h"
#include "config/kubeconfig.h"
#include "model/flow.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // NOLINT: bytes as text
  auto split = fwpath::cli::split_target(text);
  // A port outside 1..65535 must never get through.
  if (split && split->port == 0) __builtin_trap();
  (void)fwpath::model::parse_endpoint(text);
  (void)fwpath::config::parse_server_url(text);
  return 0;
}
