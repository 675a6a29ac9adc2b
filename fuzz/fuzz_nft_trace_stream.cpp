// Raw bytes as a datagram of netlink messages, walked the way the trace listener walks
// what its socket receives (TraceListener::deliver): every message goes to the decoder,
// which must refuse what is malformed with an Error and never read past the bytes it was
// given.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nft/trace_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A socket buffer is aligned (operator new gives 16 bytes); the copy is exactly `size`
  // bytes so that ASan sees any read past the end.
  const std::vector<uint8_t> copy(data, data + size);
  size_t offset = 0;
  while (fwpath::nft::netlink_message_fits(reinterpret_cast<const nlmsghdr*>(copy.data() + offset),  // NOLINT
                                           size - offset)) {
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(copy.data() + offset);  // NOLINT: read in place
    (void)fwpath::nft::decode_trace(nlh, size - offset);
    offset += std::min<size_t>(size - offset, NLMSG_ALIGN(nlh->nlmsg_len));
  }
  return 0;
}
