#pragma once
// The tracer's own nf_tables table in one network namespace: family inet, a base chain on
// each hook where a packet enters the namespace's netfilter path (prerouting, output) at
// the lowest priority so it runs before any other chain, policy accept, and rules whose
// only action is `meta nftrace set 1` (see tracer_rules.h). The mark stays on the packet
// through the namespace's later hooks, so every chain of the node's ruleset reports it.
// It never changes a verdict.
//
// Removal: the table is created with NFT_TABLE_F_OWNER where the kernel has it (5.12+),
// so the kernel deletes it when our netlink socket closes, even if we are killed with
// SIGKILL. Older kernels refuse the flag; the table is then made without it and removed
// by name on destruction, and by sweep_stale_tables() at the next start if we were
// killed.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "nft/netlink_socket.h"
#include "nft/tracer_rules.h"
#include "util/error.h"

namespace fwpath::nft {

class TracerTable {
 public:
  // INT32_MIN (NF_IP_PRI_FIRST): before conntrack, defragmentation and every chain a
  // ruleset can declare. Kernel 6.18 accepts it for filter chains.
  static constexpr int32_t kFirstPriority = INT32_MIN;
  // Used only if a kernel refuses kFirstPriority: NF_IP_PRI_RAW_BEFORE_DEFRAG.
  static constexpr int32_t kFallbackPriority = -450;

  // Creates the table in the namespace `netns_fd` (negative: the current one), in one
  // transaction: all of it exists afterwards, or none of it.
  static Result<TracerTable> install(int netns_fd, const std::string& netns_label, const TracerConfig& config);

  TracerTable(TracerTable&& other) noexcept;
  TracerTable& operator=(TracerTable&&) = delete;
  TracerTable(const TracerTable&) = delete;
  TracerTable& operator=(const TracerTable&) = delete;
  // Removes the table; a failure is reported on stderr (the table would be left behind
  // until the next sweep), since a destructor cannot return it.
  ~TracerTable();

  // Deletes the table now and closes the socket. Idempotent.
  Status remove();

  [[nodiscard]] const std::string& name() const { return name_; }
  // Whether the kernel accepted NFT_TABLE_F_OWNER for this table.
  [[nodiscard]] bool owner_flag() const { return owner_flag_; }
  // The priority the chains got (kFirstPriority unless the kernel refused it).
  [[nodiscard]] int32_t priority() const { return priority_; }
  [[nodiscard]] const std::string& netns_label() const { return netns_label_; }
  // The chains, named after their hooks.
  static constexpr size_t kChains = 2;
  static const std::array<const char*, kChains>& chain_names();

 private:
  TracerTable(NetlinkSocket sock, std::string name, std::string netns_label, bool owner_flag, int32_t priority)
      : sock_(std::move(sock)),
        name_(std::move(name)),
        netns_label_(std::move(netns_label)),
        owner_flag_(owner_flag),
        priority_(priority) {}

  std::optional<NetlinkSocket> sock_;  // empty once removed or moved from
  std::string name_;
  std::string netns_label_;
  bool owner_flag_ = false;
  int32_t priority_ = kFirstPriority;
};

}  // namespace fwpath::nft
