// One ctnetlink dump reply (IPCTNL_MSG_CT_NEW): nested tuples, addresses and ports.
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sources/conntrack_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Aligned (operator new) and exactly `size` bytes, so that ASan sees a read past them.
  const std::vector<uint8_t> copy(data, data + size);
  if (copy.empty()) return 0;
  auto e = fwpath::sources::decode_conntrack(reinterpret_cast<const nlmsghdr*>(copy.data()),  // NOLINT: in place
                                             copy.size());
  if (e) (void)e->status_text();
  return 0;
}
