#include "nft/batch.h"

#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstdio>
#include <cstdlib>

#include "nft/netlink_socket.h"

namespace fwpath::nft {

namespace {
// Room reserved for one message. libnftnl writes attributes without bounds checks, so
// the buffer must already be large enough: our largest message (a chain or a rule of
// six expressions, names up to 256 bytes) stays well under this.
constexpr size_t kMessageRoom = 8192;
}  // namespace

Batch::Batch(NetlinkSocket& sock) : sock_(sock) {
  begin_seq_ = sock_.next_seq();
  commit_message(nftnl_batch_begin(reserve(), begin_seq_));
}

char* Batch::reserve() {
  if (buf_.size() < used_ + kMessageRoom) buf_.resize(used_ + 2 * kMessageRoom);
  return buf_.data() + used_;
}

void Batch::commit_message(const nlmsghdr* nlh) {
  if (nlh->nlmsg_len > kMessageRoom) {
    // Memory past the reserved room has been written: nothing sensible can follow.
    (void)std::fprintf(stderr, "fwpath: netlink message of %u bytes overflowed the batch buffer\n", nlh->nlmsg_len);
    std::abort();
  }
  used_ += NLMSG_ALIGN(nlh->nlmsg_len);
}

uint32_t Batch::add(uint16_t msg_type, uint16_t family, uint16_t flags, std::string object,
                    const std::function<void(nlmsghdr*)>& fill) {
  const uint32_t seq = sock_.next_seq();
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(reserve(), msg_type, family, static_cast<uint16_t>(flags | NLM_F_ACK), seq);
  fill(nlh);
  commit_message(nlh);
  objects_.emplace(seq, std::move(object));
  return seq;
}

void Batch::finish() {
  if (finished_) return;
  end_seq_ = sock_.next_seq();
  commit_message(nftnl_batch_end(reserve(), end_seq_));
  finished_ = true;
}

}  // namespace fwpath::nft
