#include "lab/wireguard_listener.h"

#include "lab/netns_exec.h"
#include "lab/wireguard_key.h"

namespace fwpath::lab {

Status add_wireguard_listener(const NetnsRef& ns, const std::string& ifname, uint16_t port) {
  FWPATH_TRY(add_link_of_kind(ns, ifname, "wireguard"));
  auto key = new_wireguard_private_key();
  if (!key) return key.take_error();
  // The key goes in on stdin (a memory file), never a file on disk or the command line.
  auto set = run_in_netns(ns, {"wg", "set", ifname, "private-key", "/dev/stdin", "listen-port", std::to_string(port)},
                          key.value());
  if (!set) return set.take_error();
  return set_link_up(ns, ifname);
}

}  // namespace fwpath::lab
