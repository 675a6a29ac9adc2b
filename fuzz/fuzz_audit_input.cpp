// What `fwpath audit` parses itself from outside data: the --require values, and the error
// output of nft and iptables-restore that it maps back to FILE:LINE (a hostile ruleset
// controls what those tools echo). The first byte chooses the parser.
#include <cstddef>
#include <cstdint>
#include <string>

#include "audit/requirement.h"
#include "lab/ruleset_load_errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);  // NOLINT: bytes as text
  switch (data[0] % 4U) {
    case 0: (void)fwpath::audit::parse_requirement(text); break;
    case 1: (void)fwpath::lab::nft_error_line(text, "/proc/self/fd/3", "ruleset.nft"); break;
    case 2: (void)fwpath::lab::restore_error_line(text, "iptables-restore", "ruleset.rules"); break;
    default: (void)fwpath::lab::is_ip6tables_save(text); break;
  }
  return 0;
}
