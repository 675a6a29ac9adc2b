#pragma once
// An nf_tables transaction being built: BATCH_BEGIN, the messages, BATCH_END, in one
// buffer that is sent with a single sendmsg() so the kernel applies all of it or none.
// Each message remembers what it is about, so that a refusal can name its object.
#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace fwpath::nft {

class NetlinkSocket;

class Batch {
 public:
  // Sequence numbers come from `sock`, which must outlive the batch.
  explicit Batch(NetlinkSocket& sock);

  // Appends one nf_tables message of `msg_type` (NFT_MSG_NEWTABLE...) for `family`,
  // always with NLM_F_ACK so that the kernel answers each message. `fill` writes the
  // payload (e.g. nftnl_table_nlmsg_build_payload). Returns the message's sequence number.
  uint32_t add(uint16_t msg_type, uint16_t family, uint16_t flags, std::string object,
               const std::function<void(nlmsghdr*)>& fill);

  // Closes the batch. Nothing may be added afterwards.
  void finish();

  [[nodiscard]] bool finished() const { return finished_; }
  [[nodiscard]] std::span<const char> bytes() const { return {buf_.data(), used_}; }
  [[nodiscard]] uint32_t begin_seq() const { return begin_seq_; }
  [[nodiscard]] uint32_t end_seq() const { return end_seq_; }
  // Sequence number -> object, for every message that expects an answer.
  [[nodiscard]] const std::map<uint32_t, std::string>& objects() const { return objects_; }

 private:
  // Makes room for one more message and returns where it starts.
  char* reserve();
  void commit_message(const nlmsghdr* nlh);

  NetlinkSocket& sock_;
  std::vector<char> buf_;
  size_t used_ = 0;
  uint32_t begin_seq_ = 0;
  uint32_t end_seq_ = 0;
  bool finished_ = false;
  std::map<uint32_t, std::string> objects_;
};

}  // namespace fwpath::nft
