// A structured nf_tables trace message built from the input: a sequence of NFTA_TRACE_*
// attributes, each well-formed, mis-sized, claiming more bytes than it has (oversized),
// or cut off (truncated message). Reaches the attribute checks and libnftnl's parser much
// faster than raw bytes, whose first bytes rarely form a valid header.
//
// Input: records of [selector][mode][n][bytes...]. selector picks the attribute type
// (NFTA_TRACE_UNSPEC..NFTA_TRACE_MAX+1, the last being unknown to these headers).
#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "nft/trace_decode.h"

namespace {

class Input {
 public:
  Input(const uint8_t* d, size_t n) : data_(d), size_(n) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t byte() { return empty() ? 0 : data_[pos_++]; }
  std::vector<uint8_t> bytes(size_t n) {
    n = std::min(n, size_ - std::min(pos_, size_));
    std::vector<uint8_t> out(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

void put_attr(std::vector<uint8_t>& msg, uint16_t type, const std::vector<uint8_t>& payload, uint16_t claimed_len) {
  nlattr a{};
  a.nla_type = type;
  a.nla_len = claimed_len;
  const auto* h = reinterpret_cast<const uint8_t*>(&a);  // NOLINT: bytes of a plain header
  msg.insert(msg.end(), h, h + sizeof(a));
  msg.insert(msg.end(), payload.begin(), payload.end());
  msg.resize(NLA_ALIGN(msg.size()), 0);
}

uint16_t real_len(const std::vector<uint8_t>& payload) {
  return static_cast<uint16_t>(NLA_HDRLEN + payload.size());
}

// A payload of the size and shape the kernel uses for `type`.
std::vector<uint8_t> natural_payload(uint16_t type, Input& in) {
  switch (type) {
    case NFTA_TRACE_IIFTYPE:
    case NFTA_TRACE_OIFTYPE: return in.bytes(2);
    case NFTA_TRACE_RULE_HANDLE: return in.bytes(8);
    case NFTA_TRACE_TABLE:
    case NFTA_TRACE_CHAIN: {
      auto s = in.bytes(in.byte() % 40);
      s.push_back(0);
      return s;
    }
    case NFTA_TRACE_LL_HEADER:
    case NFTA_TRACE_NETWORK_HEADER:
    case NFTA_TRACE_TRANSPORT_HEADER: return in.bytes(in.byte());
    case NFTA_TRACE_VERDICT: {
      std::vector<uint8_t> nest;
      put_attr(nest, NFTA_VERDICT_CODE, in.bytes(4), NLA_HDRLEN + 4);
      if ((in.byte() & 1U) != 0) {
        auto chain = in.bytes(in.byte() % 40);
        chain.push_back(0);
        put_attr(nest, NFTA_VERDICT_CHAIN, chain, real_len(chain));
      }
      return nest;
    }
    default: return in.bytes(4);  // the u32 attributes, and unknown ones
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  std::vector<uint8_t> msg(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)), 0);
  nfgenmsg gen{};
  gen.nfgen_family = in.byte();
  gen.version = NFNETLINK_V0;
  std::memcpy(msg.data() + NLMSG_HDRLEN, &gen, sizeof(gen));
  size_t cut = 0;  // 0: the message is sent whole
  bool header_says_cut = false;
  while (!in.empty()) {
    const auto type = static_cast<uint16_t>(in.byte() % (NFTA_TRACE_MAX + 2));
    const uint8_t mode = in.byte();
    switch (mode % 4) {
      case 0: {
        auto p = natural_payload(type, in);
        put_attr(msg, type, p, real_len(p));
        break;
      }
      case 1: {  // any length, possibly wrong for the type
        auto p = in.bytes(in.byte());
        put_attr(msg, type, p, real_len(p));
        break;
      }
      case 2: {  // nla_len claims more (or less) than the payload holds
        auto p = natural_payload(type, in);
        const auto delta = static_cast<int8_t>(in.byte());
        put_attr(msg, type, p, static_cast<uint16_t>(real_len(p) + delta));
        break;
      }
      default: {  // the datagram ends inside this attribute
        auto p = natural_payload(type, in);
        put_attr(msg, type, p, real_len(p));
        cut = 1 + in.byte() % (NLA_HDRLEN + p.size());
        header_says_cut = (mode & 4U) != 0;
        break;
      }
    }
    if (cut != 0) break;
  }
  const size_t whole = msg.size();
  const size_t available = cut != 0 ? whole - std::min(whole - NLMSG_HDRLEN, cut) : whole;
  nlmsghdr nlh{};
  // A truncated datagram whose header claims the whole message, or a message whose
  // header agrees with the cut (its last attribute then overruns the message).
  nlh.nlmsg_len = static_cast<uint32_t>(header_says_cut ? available : whole);
  nlh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE;
  std::memcpy(msg.data(), &nlh, sizeof(nlh));
  const std::vector<uint8_t> received(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(available));
  (void)fwpath::nft::decode_trace(reinterpret_cast<const nlmsghdr*>(received.data()),  // NOLINT: read in place
                                  received.size());
  return 0;
}
