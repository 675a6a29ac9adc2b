// Raw bytes as a datagram of the trace socket, walked and decoded the way the trace
// listener does it (nft::decode_trace_datagram: the shared bounds-checked walk of
// util/netlink_walk.h, then nft::decode_trace per message), which must refuse what is
// malformed with an Error and never read past the bytes it was given.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nft/trace_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A socket buffer is aligned (operator new gives 16 bytes); the copy is exactly `size`
  // bytes so that ASan sees any read past the end.
  const std::vector<char> copy(data, data + size);
  fwpath::nft::decode_trace_datagram(
      copy, [](fwpath::nft::DecodedTrace&&) {}, [](const fwpath::Error&) {});
  return 0;
}
