#pragma once
// The nf_tables tables of one namespace, as the kernel reports them (a netlink dump).
#include <cstdint>
#include <string>
#include <vector>

#include "nft/netlink_socket.h"
#include "util/error.h"

namespace fwpath::nft {

struct TableInfo {
  std::string family;  // "inet", "ip", ...
  uint32_t nfproto = 0;
  std::string name;
  uint32_t flags = 0;  // NFT_TABLE_F_*
  bool owned = false;  // NFT_TABLE_F_OWNER: removed by the kernel with its owner's socket
};

// Every table in the socket's namespace. Retries a dump the kernel interrupted because
// the ruleset changed meanwhile.
Result<std::vector<TableInfo>> list_tables(NetlinkSocket& sock);

}  // namespace fwpath::nft
