// The text `iptables-legacy-save -c` prints in a traced namespace (rules anyone with
// CAP_NET_ADMIN there wrote: chain names, comments), and the diff of two such snapshots.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/iptables_save.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: bytes as text
  auto tables = fwpath::model::parse_iptables_save(text);
  if (tables) (void)fwpath::model::counters_moved(tables.value(), tables.value());
  return 0;
}
