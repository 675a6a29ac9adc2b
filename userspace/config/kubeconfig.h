#pragma once
// The API server a kubeconfig points at: the server URL of the current (or a named)
// context's cluster. YAML (the usual form) or JSON (which kubectl also accepts).
#include <cstdint>
#include <string>

#include "util/error.h"

namespace fwpath::config {

struct ApiServer {
  std::string context;
  std::string cluster;
  std::string url;    // as written in the file
  std::string host;   // name or literal address, brackets removed
  uint16_t port = 0;  // https without a port means 443
};

// Pure: parses the file's text. `source_name` names the file in errors.
Result<ApiServer> api_server_from_kubeconfig(const std::string& text, const std::string& context,
                                             const std::string& source_name);

// Splits "https://host[:port][/path]" into host and port.
Result<ApiServer> parse_server_url(const std::string& url);

// Reads the file, then parses it.
Result<ApiServer> read_kubeconfig(const std::string& path, const std::string& context);

}  // namespace fwpath::config
