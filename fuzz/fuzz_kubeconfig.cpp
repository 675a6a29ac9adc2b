// A kubeconfig as a hostile node might hold it: YAML (the block subset) or JSON, with the
// current context or a named one. The first byte chooses the context, the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/kubeconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string context = (data[0] & 1U) != 0 ? "prod" : "";
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);  // NOLINT: bytes as text
  auto server = fwpath::config::api_server_from_kubeconfig(text, context, "fuzz.kubeconfig");
  if (server) (void)fwpath::config::parse_server_url(server->url);
  return 0;
}
