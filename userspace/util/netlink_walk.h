#pragma once
// Every netlink datagram fwpath receives (trace events, dumps, ACKs, batch answers) is
// walked here, with each message's nlmsg_len checked as an unsigned size against the bytes
// received before the message is handed on or stepped over. libmnl's mnl_nlmsg_ok()
// compares the length as an int, so a length of 2 GiB or more passed and mnl_cb_run()'s
// next step jumped far past the buffer (found by fuzz/fuzz_nft_trace_stream).
#include <linux/netlink.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "util/error.h"

namespace fwpath {

// Whether a whole message (header included) starts at nlh within `available` bytes.
bool netlink_message_fits(const nlmsghdr* nlh, size_t available);

enum class WalkStep { Next, Stop };

struct DatagramWalk {
  size_t messages = 0;   // handed to on_message
  size_t trailing = 0;   // bytes after the last whole message that hold no whole message
  bool stopped = false;  // on_message returned Stop
};

// Hands each whole message of `datagram` to on_message, in order. Every message it sees
// has NLMSG_HDRLEN <= nlmsg_len <= the bytes left, so reading nlmsg_len bytes from it
// stays inside the datagram. The walk ends at the first message that does not fit (what
// is left counts as `trailing`) or when on_message says Stop.
DatagramWalk walk_datagram(std::span<const char> datagram, const std::function<WalkStep(const nlmsghdr&)>& on_message);

using OnNetlinkMessage = std::function<Status(const nlmsghdr&)>;

// How far one datagram took the answer to a request.
struct ReplyState {
  bool done = false;  // NLMSG_DONE, an ACK or a refusal: nothing more comes
  int refused = 0;    // the kernel's errno when it refused; EINTR for NLM_F_DUMP_INTR (the
                      // dumped table changed while it was dumped: ask again)
};

// One received datagram of the answer to request `seq` from the socket bound to `portid`:
// data messages go to on_data (a null on_data ignores them); NLMSG_DONE, an ACK (NLMSG_ERROR
// with error 0) and a refusal end the answer. Errors: an NLMSG_ERROR too short for its
// code or with a code that is no errno, and bytes that hold no whole message (EBADMSG);
// and whatever on_data returns. Messages of another sequence number or port (late answers
// to an earlier request) are skipped; seq 0 takes any sequence number (a batch, whose
// messages each have their own), portid 0 any port (a fuzzer's input).
Result<ReplyState> read_reply_datagram(std::span<const char> datagram, uint32_t seq, uint32_t portid,
                                       const OnNetlinkMessage& on_data);

// One datagram received on a netlink socket.
struct ReceivedDatagram {
  size_t size = 0;         // bytes in the buffer
  bool truncated = false;  // larger than the buffer (MSG_TRUNC): its tail is lost
  uint32_t sender = 0;     // the sending port; 0 is the kernel
};

// One recvmsg() into `buf`; a failure's errno (EAGAIN, EINTR, ENOBUFS, ...) is the Error's
// err, for the caller to decide on.
Result<ReceivedDatagram> receive_datagram(int fd, std::span<char> buf, int flags);

// Receives datagrams on `fd` and reads them with read_reply_datagram() until the answer is
// complete. Every wait is bounded by `timeout` (ETIMEDOUT when the kernel stays silent); a
// datagram larger than the buffer is EMSGSIZE. A refusal by the kernel reads "WHAT OBJECT:
// strerror" with its errno; the errors of read_reply_datagram() get "WHAT OBJECT: " before
// them.
Status receive_reply(int fd, uint32_t seq, uint32_t portid, const OnNetlinkMessage& on_data,
                     std::chrono::milliseconds timeout, const std::string& what, const std::string& object);

}  // namespace fwpath
