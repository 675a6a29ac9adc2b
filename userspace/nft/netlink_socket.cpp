#include "nft/netlink_socket.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <optional>
#include <set>
#include <vector>

#include "nft/batch.h"
#include "util/netns.h"

namespace fwpath::nft {

namespace {
// Large enough for any single netlink datagram the kernel sends us: dump parts are at
// most 32 KiB; a shorter buffer would truncate them (MSG_TRUNC) and lose data.
constexpr size_t kReceiveBuffer = size_t{64} * 1024;

}  // namespace

Error BatchResult::first_error(const std::string& what) const {
  if (failures.empty()) return env_error(what + ": no failure recorded");
  const Failure& f = failures.front();
  return sys_error(what + ": kernel refused", f.object, f.err);
}

int BatchResult::error_for(uint32_t seq) const {
  for (const Failure& f : failures) {
    if (f.seq == seq) return f.err;
  }
  return 0;
}

Result<NetlinkSocket> NetlinkSocket::open(int netns_fd, const std::string& netns_label, int bus) {
  MnlSocket sock;
  {
    // The socket belongs to the namespace that is current when socket() runs.
    std::optional<NetnsEnter> inside;
    if (netns_fd >= 0) {
      auto entered = NetnsEnter::enter(netns_fd, netns_label);
      if (!entered) return entered.take_error();
      inside.emplace(std::move(entered).value());
    }
    sock.reset(mnl_socket_open2(bus, SOCK_CLOEXEC));
    const int open_errno = errno;
    if (!sock) return sys_error("open netlink socket in network namespace", netns_label, open_errno);
  }
  if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return sys_error("bind netlink socket in network namespace", netns_label);
  }
  // Answers to a failed message would otherwise carry a copy of the whole message.
  int one = 1;
  if (mnl_socket_setsockopt(sock.get(), NETLINK_CAP_ACK, &one, sizeof(one)) < 0) {
    return sys_error("set NETLINK_CAP_ACK on netlink socket in", netns_label);
  }
  const uint32_t portid = mnl_socket_get_portid(sock.get());
  // Sequence numbers only need to be distinct per socket; starting from the clock makes
  // answers meant for an earlier socket with the same port id easy to tell apart.
  const auto first_seq = static_cast<uint32_t>(std::time(nullptr));
  return NetlinkSocket(std::move(sock), portid, netns_label, first_seq);
}

int NetlinkSocket::fd() const {
  return mnl_socket_get_fd(sock_.get());
}

Result<int> NetlinkSocket::set_receive_buffer(int bytes) {
  if (::setsockopt(fd(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
    // Without CAP_NET_ADMIN over the namespace: the kernel caps SO_RCVBUF at rmem_max.
    if (::setsockopt(fd(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) != 0) {
      return sys_error("set receive buffer of netlink socket in", netns_label_);
    }
  }
  int effective = 0;
  socklen_t len = sizeof(effective);
  if (::getsockopt(fd(), SOL_SOCKET, SO_RCVBUF, &effective, &len) != 0) {
    return sys_error("read receive buffer of netlink socket in", netns_label_);
  }
  return effective;
}

Status NetlinkSocket::send(const void* data, size_t len, const std::string& what) {
  const ssize_t sent = mnl_socket_sendto(sock_.get(), data, len);
  if (sent < 0) return sys_error(what, "netlink socket in " + netns_label_);
  if (static_cast<size_t>(sent) != len) return env_error(what + ": short send on netlink socket in", netns_label_, EIO);
  return {};
}

Status NetlinkSocket::wait_readable(int timeout_ms, const std::string& what) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return env_error(what + ": no answer from the kernel in network namespace", netns_label_, ETIMEDOUT);
    pollfd pfd{fd(), POLLIN, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n > 0) return {};
    // A stop signal interrupts poll; the kernel's answer is still owed and comes quickly.
    if (n < 0 && errno != EINTR) return sys_error(what + ": poll", "netlink socket in " + netns_label_);
  }
}

void NetlinkSocket::drain_pending() const {
  std::vector<char> buf(kReceiveBuffer);
  while (::recv(fd(), buf.data(), buf.size(), MSG_DONTWAIT) > 0) {
  }
}

Result<BatchResult> NetlinkSocket::commit(const Batch& batch, int timeout_ms) {
  if (!batch.finished()) return env_error("commit an unfinished nf_tables batch in", netns_label_);
  const auto bytes = batch.bytes();
  FWPATH_TRY(send(bytes.data(), bytes.size(), "send nf_tables batch"));

  std::set<uint32_t> pending;
  for (const auto& [seq, object] : batch.objects()) pending.insert(seq);
  BatchResult result;
  bool whole_batch_refused = false;

  // nfnetlink processes a batch inside sendmsg() and queues one answer per message
  // (NLM_F_ACK) before returning, so after the first answer the rest is already queued.
  auto handle = [&](const ReceivedDatagram& got, std::span<const char> data) -> Status {
    bool malformed = got.truncated;
    const DatagramWalk walk = walk_datagram(data.first(got.size), [&](const nlmsghdr& nlh) {
      if (nlh.nlmsg_type != NLMSG_ERROR) return WalkStep::Next;
      if (nlh.nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) {
        malformed = true;
        return WalkStep::Stop;
      }
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(&nlh));
      const uint32_t seq = nlh.nlmsg_seq;
      const auto object = batch.objects().find(seq);
      if (err->error != 0) {
        if (object != batch.objects().end()) {
          result.failures.push_back({seq, object->second, -err->error});
        } else if (seq == batch.begin_seq() || seq == batch.end_seq()) {
          // The kernel refused the batch as a whole (for example EPERM without
          // CAP_NET_ADMIN) and answers nothing else.
          result.failures.push_back({seq, "nf_tables batch in " + netns_label_, -err->error});
          whole_batch_refused = true;
        }
        // Any other sequence number belongs to an earlier request: not ours to report.
      }
      pending.erase(seq);
      return WalkStep::Next;
    });
    if (!malformed && walk.trailing == 0) return {};
    drain_pending();
    return env_error("malformed nf_tables answer in network namespace", netns_label_, EBADMSG);
  };

  std::vector<char> buf(kReceiveBuffer);
  while (!pending.empty() && !whole_batch_refused) {
    FWPATH_TRY(wait_readable(timeout_ms, "wait for the answer to an nf_tables batch"));
    auto got = receive_datagram(fd(), buf, 0);
    if (!got) {
      if (got.error().err == EINTR) continue;
      drain_pending();
      return sys_error("receive the answer to an nf_tables batch in", netns_label_, got.error().err);
    }
    if (got->sender != 0) continue;  // not the kernel's
    FWPATH_TRY(handle(got.value(), buf));
  }
  // Whatever else the kernel queued for this batch belongs to it: collect it now so that
  // the next request on this socket starts clean.
  for (;;) {
    auto got = receive_datagram(fd(), buf, MSG_DONTWAIT);
    if (!got || got->size == 0) break;
    if (got->sender != 0) continue;
    FWPATH_TRY(handle(got.value(), buf));
  }
  return result;
}

Status NetlinkSocket::apply(const Batch& batch, const std::string& what, int timeout_ms) {
  auto answer = commit(batch, timeout_ms);
  if (!answer) return answer.take_error().context(what);
  if (!answer->ok()) return answer->first_error(what);
  return {};
}

Status NetlinkSocket::dump(const nlmsghdr* request, const OnNetlinkMessage& on_message, const std::string& what,
                           int timeout_ms) {
  FWPATH_TRY(send(request, request->nlmsg_len, what));
  auto answer = receive_reply(fd(), request->nlmsg_seq, portid_, on_message, std::chrono::milliseconds(timeout_ms),
                              what, "in network namespace " + netns_label_);
  // What is still queued belongs to this request: the next one on this socket starts clean.
  if (!answer) drain_pending();
  return answer;
}

}  // namespace fwpath::nft
