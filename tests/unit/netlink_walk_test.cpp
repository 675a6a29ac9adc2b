// The one walk over received netlink datagrams (util/netlink_walk.h) that every receive
// path uses: trace events, dumps, ACKs, batch answers. Found by fuzz/fuzz_nft_trace_stream:
// a message whose nlmsg_len is 2 GiB or more passed libmnl's mnl_nlmsg_ok() (it compares
// as int) and the next step jumped far outside the buffer.
#include "util/netlink_walk.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "nft/trace_decode.h"

namespace fwpath {
namespace {

constexpr uint32_t kSeq = 7;
constexpr uint32_t kPort = 4242;
constexpr uint16_t kDataType = NLMSG_MIN_TYPE + 1;

// A datagram built message by message, each padded to NLMSG_ALIGN as the kernel does.
class Datagram {
 public:
  // A message whose nlmsg_len says `claimed` (its real size when 0) and that carries
  // `payload` bytes.
  Datagram& add(uint16_t type, size_t payload, uint32_t claimed = 0, uint16_t flags = NLM_F_MULTI, uint32_t seq = kSeq,
                uint32_t port = kPort) {
    nlmsghdr h{};
    h.nlmsg_len = claimed != 0 ? claimed : static_cast<uint32_t>(NLMSG_HDRLEN + payload);
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    h.nlmsg_seq = seq;
    h.nlmsg_pid = port;
    append(&h, sizeof(h));
    bytes_.resize(bytes_.size() + NLMSG_ALIGN(payload), 'x');
    return *this;
  }
  Datagram& done() {
    add(NLMSG_DONE, sizeof(int));
    std::memset(bytes_.data() + bytes_.size() - sizeof(int), 0, sizeof(int));
    return *this;
  }
  // NLMSG_ERROR with `code` (0: an ACK), followed by the header it answers.
  Datagram& error(int code, uint32_t seq = kSeq) {
    nlmsghdr h{};
    h.nlmsg_len = NLMSG_HDRLEN + sizeof(nlmsgerr);
    h.nlmsg_type = NLMSG_ERROR;
    h.nlmsg_seq = seq;
    h.nlmsg_pid = kPort;
    append(&h, sizeof(h));
    nlmsgerr e{};
    e.error = code;
    append(&e, sizeof(e));
    return *this;
  }
  Datagram& raw(std::initializer_list<char> b) {
    bytes_.insert(bytes_.end(), b);
    return *this;
  }
  std::span<const char> span() const { return bytes_; }

 private:
  void append(const void* p, size_t n) {
    const auto* c = static_cast<const char*>(p);
    bytes_.insert(bytes_.end(), c, c + n);
  }
  std::vector<char> bytes_;
};

nlmsghdr header_with_length(uint32_t len) {
  nlmsghdr h{};
  h.nlmsg_len = len;
  return h;
}

// The types walk_datagram() handed on, in order.
std::vector<uint16_t> walked_types(const Datagram& d, DatagramWalk* walk = nullptr) {
  std::vector<uint16_t> types;
  const DatagramWalk w = walk_datagram(d.span(), [&](const nlmsghdr& nlh) {
    types.push_back(nlh.nlmsg_type);
    return WalkStep::Next;
  });
  if (walk != nullptr) *walk = w;
  return types;
}

// read_reply_datagram() with a data handler that counts.
struct Read {
  Result<ReplyState> state = ReplyState{};
  size_t data = 0;
};
Read read_reply(const Datagram& d) {
  Read r;
  r.state = read_reply_datagram(d.span(), kSeq, kPort, [&](const nlmsghdr&) -> Status {
    ++r.data;
    return {};
  });
  return r;
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

TEST(NetlinkWalk, HandsOnEveryWholeMessageInOrder) {
  DatagramWalk walk;
  EXPECT_EQ(walked_types(Datagram().add(kDataType, 5).add(kDataType + 1, 0).done(), &walk),
            (std::vector<uint16_t>{kDataType, kDataType + 1, NLMSG_DONE}));
  EXPECT_EQ(walk.messages, 3U);
  EXPECT_EQ(walk.trailing, 0U);
  EXPECT_FALSE(walk.stopped);
}

TEST(NetlinkWalk, StopsAtAMessageThatClaimsMoreThanWasReceived) {
  for (const uint32_t claimed : {0xb2b2b2b2U, 0x80000000U, 0xffffffffU, 200U}) {
    DatagramWalk walk;
    const Datagram d = Datagram().add(kDataType, 4).add(kDataType + 1, 8, claimed);
    EXPECT_EQ(walked_types(d, &walk), std::vector<uint16_t>{kDataType}) << claimed;
    EXPECT_EQ(walk.trailing, NLMSG_HDRLEN + 8U) << claimed;
  }
}

TEST(NetlinkWalk, StopsAtAMessageShorterThanItsHeader) {
  for (const uint32_t claimed : {1U, NLMSG_HDRLEN - 1U}) {
    DatagramWalk walk;
    const Datagram d = Datagram().add(kDataType, 4).add(kDataType + 1, 8, claimed);
    EXPECT_EQ(walked_types(d, &walk), std::vector<uint16_t>{kDataType}) << claimed;
    EXPECT_EQ(walk.trailing, NLMSG_HDRLEN + 8U);
  }
}

TEST(NetlinkWalk, TruncatedHeaderIsTrailingBytes) {
  DatagramWalk walk;
  EXPECT_EQ(walked_types(Datagram().add(kDataType, 4).raw({1, 2, 3, 4, 5, 6, 7}), &walk),
            std::vector<uint16_t>{kDataType});
  EXPECT_EQ(walk.trailing, 7U);
  EXPECT_TRUE(walked_types(Datagram().raw({1, 2, 3}), &walk).empty());
  EXPECT_EQ(walk.trailing, 3U);
  EXPECT_TRUE(walked_types(Datagram(), &walk).empty());
  EXPECT_EQ(walk.trailing, 0U);
}

TEST(NetlinkWalk, ALastMessageWithoutItsPaddingStillCounts) {
  // 17 bytes claimed and received, its 3 bytes of padding missing at the end.
  Datagram d;
  d.add(kDataType, 1);
  std::vector<char> cut(d.span().begin(), d.span().end() - 3);
  size_t seen = 0;
  const DatagramWalk walk = walk_datagram(cut, [&](const nlmsghdr&) {
    ++seen;
    return WalkStep::Next;
  });
  EXPECT_EQ(seen, 1U);
  EXPECT_EQ(walk.trailing, 0U);
}

TEST(NetlinkWalk, StopEndsTheWalk) {
  size_t seen = 0;
  const DatagramWalk walk = walk_datagram(Datagram().add(kDataType, 0).add(kDataType, 0).span(), [&](const nlmsghdr&) {
    ++seen;
    return WalkStep::Stop;
  });
  EXPECT_EQ(seen, 1U);
  EXPECT_TRUE(walk.stopped);
}

TEST(NetlinkReply, DataThenDone) {
  const Read r = read_reply(Datagram().add(kDataType, 12).add(kDataType, 4).done());
  ASSERT_TRUE(r.state.ok()) << r.state.error().message();
  EXPECT_EQ(r.data, 2U);
  EXPECT_TRUE(r.state.value().done);
  EXPECT_EQ(r.state.value().refused, 0);
}

TEST(NetlinkReply, APartOfADumpAsksForMore) {
  const Read r = read_reply(Datagram().add(kDataType, 12));
  ASSERT_TRUE(r.state.ok());
  EXPECT_FALSE(r.state.value().done);
}

TEST(NetlinkReply, AckEndsIt) {
  const Read r = read_reply(Datagram().error(0));
  ASSERT_TRUE(r.state.ok());
  EXPECT_TRUE(r.state.value().done);
  EXPECT_EQ(r.state.value().refused, 0);
}

TEST(NetlinkReply, ARefusalCarriesTheKernelsErrno) {
  const Read r = read_reply(Datagram().error(-EPERM));
  ASSERT_TRUE(r.state.ok());
  EXPECT_TRUE(r.state.value().done);
  EXPECT_EQ(r.state.value().refused, EPERM);
}

TEST(NetlinkReply, AnInterruptedDumpIsEintr) {
  const Read r = read_reply(Datagram().add(kDataType, 4, 0, NLM_F_MULTI | NLM_F_DUMP_INTR));
  ASSERT_TRUE(r.state.ok());
  EXPECT_EQ(r.state.value().refused, EINTR);
  EXPECT_EQ(r.data, 0U) << "the interrupted part is not handed on";
}

TEST(NetlinkReply, AnswersToAnotherRequestOrPortAreSkipped) {
  const Read r = read_reply(Datagram()
                                .add(kDataType, 4, 0, NLM_F_MULTI, kSeq - 1)
                                .error(-ENOENT, kSeq - 1)
                                .add(kDataType, 4, 0, NLM_F_MULTI, kSeq, kPort + 1)
                                .add(kDataType, 4));
  ASSERT_TRUE(r.state.ok());
  EXPECT_EQ(r.data, 1U);
  EXPECT_FALSE(r.state.value().done) << "an earlier request's error does not end this one";
}

TEST(NetlinkReply, BogusLengthsAreMalformed) {
  for (const uint32_t claimed : {0xb2b2b2b2U, 0x80000000U, 3U, 100U}) {
    const Read r = read_reply(Datagram().add(kDataType, 4).add(kDataType, 4, claimed));
    ASSERT_FALSE(r.state.ok()) << claimed;
    EXPECT_EQ(r.state.error().err, EBADMSG);
    EXPECT_EQ(r.data, 1U) << "the whole message before it was read";
  }
}

TEST(NetlinkReply, AnErrorMessageTooShortForItsCodeIsMalformed) {
  const Read r = read_reply(Datagram().add(NLMSG_ERROR, 2));
  ASSERT_FALSE(r.state.ok());
  EXPECT_EQ(r.state.error().err, EBADMSG);
}

TEST(NetlinkReply, AnErrorCodeThatIsNoErrnoIsMalformed) {
  for (const int code : {5, -100000}) {
    const Read r = read_reply(Datagram().error(code));
    ASSERT_FALSE(r.state.ok()) << code;
    EXPECT_EQ(r.state.error().err, EBADMSG);
  }
}

TEST(NetlinkReply, TheHandlersErrorEndsIt) {
  size_t calls = 0;
  auto r = read_reply_datagram(Datagram().add(kDataType, 4).add(kDataType, 4).done().span(), kSeq, kPort,
                               [&](const nlmsghdr&) -> Status {
                                 ++calls;
                                 return env_error("cannot parse");
                               });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what, "cannot parse");
  EXPECT_EQ(calls, 1U);
}

TEST(NetlinkWalk, TheFuzzersCrashingDatagramIsWalkedSafely) {
  std::ifstream in(std::string(FWPATH_TEST_DATA) + "/fuzz/nft_trace_stream_2gib_length.bin", std::ios::binary);
  ASSERT_TRUE(in);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), 118U);
  size_t decoded = 0;
  std::vector<Error> undecodable;
  nft::decode_trace_datagram(
      bytes, [&](nft::DecodedTrace&&) { ++decoded; }, [&](Error e) { undecodable.push_back(std::move(e)); });
  // The first message (72 bytes) is walked, whatever it decodes to; the second claims
  // 0xb2b2b2b2 bytes and its 46 bytes are reported, not followed.
  EXPECT_EQ(decoded + undecodable.size(), 2U);
  ASSERT_FALSE(undecodable.empty());
  EXPECT_NE(undecodable.back().message().find("46 trailing bytes"), std::string::npos) << undecodable.back().message();
}

}  // namespace
}  // namespace fwpath
