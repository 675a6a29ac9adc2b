#include "nft/trace_listener.h"

#include <fcntl.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <cerrno>

#include "nft/trace_decode.h"
#include "util/netlink_walk.h"
#include "util/netns.h"

namespace fwpath::nft {

Result<TraceListener> TraceListener::open(int netns_fd, const std::string& netns_label, int receive_buffer_bytes) {
  auto sock = NetlinkSocket::open(netns_fd, netns_label, NETLINK_NETFILTER);
  if (!sock) return sock.take_error();

  unsigned int group = NFNLGRP_NFTRACE;
  if (mnl_socket_setsockopt(sock->get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
    return sys_error("subscribe to nf_tables trace events (NFNLGRP_NFTRACE) in network namespace", netns_label);
  }
  auto rcvbuf = sock->set_receive_buffer(receive_buffer_bytes);
  if (!rcvbuf) return rcvbuf.take_error();

  const int flags = ::fcntl(sock->fd(), F_GETFL);
  if (flags < 0 || ::fcntl(sock->fd(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return sys_error("make trace socket non-blocking in network namespace", netns_label);
  }

  auto names = InterfaceNames::open(netns_fd, netns_label);
  if (!names) return names.take_error();

  uint32_t inode = 0;
  if (netns_fd >= 0) {
    auto ino = fwpath::netns_inode(netns_fd);
    if (!ino) return ino.take_error();
    inode = *ino;
  } else {
    auto current = open_current_netns();
    if (!current) return current.take_error();
    auto ino = fwpath::netns_inode(current->get());
    if (!ino) return ino.take_error();
    inode = *ino;
  }
  return TraceListener(std::move(sock).value(), std::move(names).value(), inode, *rcvbuf);
}

void TraceListener::note_undecodable(Error e) {
  ++undecodable_;
  last_decode_error_ = std::move(e);
}

void TraceListener::deliver(std::span<const char> datagram, model::Clock::time_point received, const Callback& on_event,
                            size_t& delivered) {
  decode_trace_datagram(
      datagram,
      [&](DecodedTrace&& decoded) {
        model::NftTraceEvent& ev = decoded.event;
        ev.netns = netns_inode_;
        ev.received = received;
        ev.iif = names_.name(decoded.iif_index);
        ev.oif = names_.name(decoded.oif_index);
        on_event(std::move(ev));
        ++delivered;
      },
      [&](Error e) { note_undecodable(std::move(e)); });
}

Result<size_t> TraceListener::drain(const Callback& on_event, size_t max_events) {
  size_t delivered = 0;
  while (delivered < max_events) {
    auto got = receive_datagram(sock_.fd(), buf_, MSG_DONTWAIT);
    if (!got) {
      const int err = got.error().err;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (err == EINTR) continue;
      if (err == ENOBUFS) {
        // The kernel could not queue an event: the socket buffer was full. Reading on
        // clears the condition; the count tells the user the trace has gaps.
        ++overruns_;
        continue;
      }
      return sys_error("receive nf_tables trace events in network namespace", sock_.netns_label(), err);
    }
    const auto received = model::Clock::now();
    if (got->truncated) {
      note_undecodable(Error{ErrorKind::Environment, "trace datagram larger than the receive buffer", "", EMSGSIZE});
      continue;
    }
    if (got->sender != 0) {
      note_undecodable(Error{ErrorKind::Environment,
                             "trace datagram not sent by the kernel (port " + std::to_string(got->sender) + ")", "",
                             EBADMSG});
      continue;
    }
    deliver({buf_.data(), got->size}, received, on_event, delivered);
  }
  return delivered;
}

}  // namespace fwpath::nft
