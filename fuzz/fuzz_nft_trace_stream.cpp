// Raw bytes as a datagram of netlink messages, the way the trace listener receives them
// from its socket (same walk as TraceListener::deliver): every message goes to the
// decoder, which must refuse what is malformed with an Error and never read past the
// bytes it was given.
#include <libmnl/libmnl.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nft/trace_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1U << 20)) return 0;
  // A socket buffer is aligned (operator new gives 16 bytes); the copy is exactly `size`
  // bytes so that ASan sees any read past the end.
  const std::vector<uint8_t> copy(data, data + size);
  int left = static_cast<int>(size);
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(copy.data());  // NOLINT: netlink is read in place
  for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
    (void)fwpath::nft::decode_trace(nlh, static_cast<size_t>(left));
  }
  return 0;
}
