#pragma once
// The few netlink exchanges kernel-check's probes share: a bound libmnl socket and a
// request answered by an ACK or a dump (the link operations are lab/rtnl.h's). Every wait is
// bounded by poll(), so a kernel that never answers becomes ETIMEDOUT, not a hang.
#include <libmnl/libmnl.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "util/c_handle.h"
#include "util/error.h"
#include "util/netlink_walk.h"

namespace fwpath::kernel {

using MnlSocket = CHandle<mnl_socket, mnl_socket_close>;

inline constexpr std::chrono::milliseconds kNetlinkTimeout{1000};

// A socket on `bus` (NETLINK_ROUTE, NETLINK_NETFILTER), bound with a kernel-chosen port
// id, in the calling thread's network namespace.
Result<MnlSocket> open_netlink(int bus, const std::string& label);

// Sends `len` bytes and reads replies until the ACK (or NLMSG_DONE of a dump), handing
// each data message to `on_data` (may be null): receive_reply() of util/netlink_walk.h.
// seq 0 accepts replies of any sequence number (batches). The errno of an NLMSG_ERROR
// becomes the Error's err.
Status netlink_exchange(mnl_socket* sock, const void* buf, size_t len, uint32_t seq, const OnNetlinkMessage& on_data,
                        const std::string& what);

// Waits up to `timeout` for the socket to become readable. ETIMEDOUT when it does not.
Status wait_readable(int fd, std::chrono::milliseconds timeout, const std::string& what);

// A sequence number unique within this process, for netlink requests.
uint32_t next_netlink_seq();

}  // namespace fwpath::kernel
