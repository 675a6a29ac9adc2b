// The walk over a trace datagram (found by fuzz/fuzz_nft_trace_stream): a message whose
// nlmsg_len is 2 GiB or more passed libmnl's mnl_nlmsg_ok() (it compares as int) and the
// next step jumped far outside the buffer.
#include <gtest/gtest.h>
#include <linux/netlink.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "nft/trace_decode.h"

namespace fwpath::nft {
namespace {

nlmsghdr header_with_length(uint32_t len) {
  nlmsghdr h{};
  h.nlmsg_len = len;
  return h;
}

TEST(NetlinkWalk, LengthsThatDoNotFitAreRefused) {
  const nlmsghdr huge = header_with_length(0xb2b2b2b2U);
  EXPECT_FALSE(netlink_message_fits(&huge, 64));
  const nlmsghdr two_gib = header_with_length(0x80000000U);
  EXPECT_FALSE(netlink_message_fits(&two_gib, 64));
  const nlmsghdr too_short = header_with_length(NLMSG_HDRLEN - 1);
  EXPECT_FALSE(netlink_message_fits(&too_short, 64));
  const nlmsghdr longer = header_with_length(65);
  EXPECT_FALSE(netlink_message_fits(&longer, 64));
  const nlmsghdr exact = header_with_length(64);
  EXPECT_TRUE(netlink_message_fits(&exact, 64));
  EXPECT_FALSE(netlink_message_fits(&exact, NLMSG_HDRLEN - 1)) << "not even a header left";
}

TEST(NetlinkWalk, TheFuzzersCrashingDatagramIsWalkedSafely) {
  std::ifstream in(std::string(FWPATH_TEST_DATA) + "/fuzz/nft_trace_stream_2gib_length.bin", std::ios::binary);
  ASSERT_TRUE(in);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), 118U);
  size_t offset = 0;
  size_t messages = 0;
  while (netlink_message_fits(reinterpret_cast<const nlmsghdr*>(bytes.data() + offset), bytes.size() - offset)) {
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data() + offset);
    (void)decode_trace(nlh, bytes.size() - offset);  // either result; it must only stay inside
    offset += std::min<size_t>(bytes.size() - offset, NLMSG_ALIGN(nlh->nlmsg_len));
    ++messages;
  }
  EXPECT_EQ(messages, 1U) << "the first message (72 bytes); the second claims 0xb2b2b2b2 bytes";
  EXPECT_EQ(offset, 72U);
}

}  // namespace
}  // namespace fwpath::nft
