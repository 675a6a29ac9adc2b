// Raw bytes as one datagram of a ctnetlink dump's answer, read the way
// sources::dump_conntrack reads it: the shared reply walk of util/netlink_walk.h
// (read_reply_datagram: DONE, errors, foreign sequence numbers, bogus lengths), then
// sources::decode_conntrack for each data message (nested tuples, addresses and ports).
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sources/conntrack_entry.h"
#include "util/netlink_walk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Aligned (operator new) and exactly `size` bytes, so that ASan sees a read past them.
  const std::vector<char> copy(data, data + size);
  // Sequence 0 takes any: the fuzzer need not guess the request's number.
  (void)fwpath::read_reply_datagram(copy, 0, 0, [](const nlmsghdr& nlh) -> fwpath::Status {
    auto e = fwpath::sources::decode_conntrack(&nlh, nlh.nlmsg_len);
    if (e) (void)e->status_text();
    return {};
  });
  return 0;
}
