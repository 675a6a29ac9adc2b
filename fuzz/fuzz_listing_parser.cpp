// The text of `nft -a list ruleset`, as libnftables prints the node's ruleset (which
// anyone with CAP_NET_ADMIN on the node wrote: chain names, comments, set elements).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ruleset/listing_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: bytes as text
  (void)fwpath::ruleset::parse_listing(text);
  return 0;
}
