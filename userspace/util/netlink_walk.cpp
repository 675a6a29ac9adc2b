#include "util/netlink_walk.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <vector>

namespace fwpath {

namespace {

// Large enough for any datagram the kernel sends: it sizes dump parts by the largest
// receive buffer seen on the socket, capped at 32 KiB.
constexpr size_t kReceiveBuffer = size_t{64} * 1024;

const nlmsghdr* message_at(std::span<const char> datagram, size_t offset) {
  return reinterpret_cast<const nlmsghdr*>(datagram.data() + offset);  // NOLINT: netlink is read in place
}

Error malformed(const std::string& why) {
  return Error{ErrorKind::Environment, "malformed netlink answer: " + why, "", EBADMSG};
}

// What an NLMSG_ERROR says: 0 for an ACK, the kernel's errno otherwise.
Result<int> error_code(const nlmsghdr& nlh) {
  if (nlh.nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) return malformed("NLMSG_ERROR without its error code");
  const auto* err =
      reinterpret_cast<const nlmsgerr*>(reinterpret_cast<const char*>(&nlh) + NLMSG_HDRLEN);  // NOLINT: in place
  // The kernel's codes are 0 or negative errnos; anything else is not one of its answers.
  if (err->error > 0 || err->error < -4095) return malformed("NLMSG_ERROR code " + std::to_string(err->error));
  return -err->error;
}

}  // namespace

bool netlink_message_fits(const nlmsghdr* nlh, size_t available) {
  return available >= NLMSG_HDRLEN && nlh->nlmsg_len >= NLMSG_HDRLEN && nlh->nlmsg_len <= available;
}

DatagramWalk walk_datagram(std::span<const char> datagram, const std::function<WalkStep(const nlmsghdr&)>& on_message) {
  DatagramWalk walk;
  size_t offset = 0;
  while (offset < datagram.size() && netlink_message_fits(message_at(datagram, offset), datagram.size() - offset)) {
    const nlmsghdr& nlh = *message_at(datagram, offset);
    // nlmsg_len fits, so its aligned size is at most 3 bytes more: no overflow, and the
    // clamp only matters for a last message whose padding was cut off.
    offset += std::min<size_t>(datagram.size() - offset, NLMSG_ALIGN(nlh.nlmsg_len));
    ++walk.messages;
    if (on_message(nlh) == WalkStep::Stop) {
      walk.stopped = true;
      return walk;
    }
  }
  walk.trailing = datagram.size() - offset;
  return walk;
}

Result<ReplyState> read_reply_datagram(std::span<const char> datagram, uint32_t seq, uint32_t portid,
                                       const OnNetlinkMessage& on_data) {
  ReplyState state;
  Status failed;
  const DatagramWalk walk = walk_datagram(datagram, [&](const nlmsghdr& nlh) {
    const bool other_request = seq != 0 && nlh.nlmsg_seq != seq;
    const bool other_port = portid != 0 && nlh.nlmsg_pid != 0 && nlh.nlmsg_pid != portid;
    if (other_request || other_port) return WalkStep::Next;
    if ((nlh.nlmsg_flags & NLM_F_DUMP_INTR) != 0) {
      state = {true, EINTR};
      return WalkStep::Stop;
    }
    switch (nlh.nlmsg_type) {
      case NLMSG_DONE: state.done = true; return WalkStep::Stop;
      case NLMSG_ERROR: {
        auto code = error_code(nlh);
        if (!code) {
          failed = code.take_error();
        } else {
          state = {true, code.value()};
        }
        return WalkStep::Stop;
      }
      default:
        if (nlh.nlmsg_type < NLMSG_MIN_TYPE) return WalkStep::Next;  // NLMSG_NOOP, NLMSG_OVERRUN
        if (on_data) failed = on_data(nlh);
        return failed ? WalkStep::Next : WalkStep::Stop;
    }
  });
  if (!failed) return failed.take_error();
  if (!walk.stopped && walk.trailing != 0) {
    return malformed(std::to_string(walk.trailing) + " bytes after message " + std::to_string(walk.messages) +
                     " hold no whole message");
  }
  return state;
}

Result<ReceivedDatagram> receive_datagram(int fd, std::span<char> buf, int flags) {
  sockaddr_nl from{};
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const ssize_t n = ::recvmsg(fd, &msg, flags);
  if (n < 0) {
    const int err = errno;
    return sys_error("receive on netlink socket", "fd " + std::to_string(fd), err);
  }
  return ReceivedDatagram{static_cast<size_t>(n), (msg.msg_flags & MSG_TRUNC) != 0, from.nl_pid};
}

Status receive_reply(int fd, uint32_t seq, uint32_t portid, const OnNetlinkMessage& on_data,
                     std::chrono::milliseconds timeout, const std::string& what, const std::string& object) {
  using Clock = std::chrono::steady_clock;
  std::vector<char> buf(kReceiveBuffer);
  for (;;) {
    // Bounded per datagram: a kernel that answers keeps the exchange going.
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return sys_error(what + ": no answer from the kernel", object, ETIMEDOUT);
      pollfd p{fd, POLLIN, 0};
      const int n = ::poll(&p, 1, static_cast<int>(left));
      if (n > 0) break;
      // A stop signal interrupts the wait; the answer is still owed and comes quickly.
      if (n < 0 && errno != EINTR) return sys_error(what + ": wait for the answer", object);
    }
    auto got = receive_datagram(fd, buf, 0);
    if (!got) {
      if (got.error().err == EINTR) continue;
      return sys_error(what + ": receive the answer", object, got.error().err);
    }
    if (got->truncated) return sys_error(what + ": answer larger than the receive buffer", object, EMSGSIZE);
    if (got->sender != 0) continue;  // not the kernel's
    auto state = read_reply_datagram({buf.data(), got->size}, seq, portid, on_data);
    if (!state) {
      std::string where = what;
      if (!object.empty()) where.append(" ").append(object);
      return state.take_error().context(where);
    }
    if (state->refused != 0) return sys_error(what, object, state->refused);
    if (state->done) return {};
  }
}

}  // namespace fwpath
