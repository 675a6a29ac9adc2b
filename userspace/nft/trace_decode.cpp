#include "nft/trace_decode.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/trace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <array>
#include <cstring>
#include <optional>

#include "util/c_handle.h"
#include "util/netlink_walk.h"

namespace fwpath::nft {

namespace {

using TraceHandle = CHandle<nftnl_trace, nftnl_trace_free>;

Error malformed(const std::string& what) {
  return Error{ErrorKind::Environment, "malformed nf_tables trace message: " + what, "", EBADMSG};
}

enum class AttrKind { Ignore, U16, U32, U64, String, Bytes, Nested };

AttrKind kind_of(uint16_t type) {
  switch (type) {
    case NFTA_TRACE_IIFTYPE:
    case NFTA_TRACE_OIFTYPE: return AttrKind::U16;
    case NFTA_TRACE_ID:
    case NFTA_TRACE_IIF:
    case NFTA_TRACE_OIF:
    case NFTA_TRACE_MARK:
    case NFTA_TRACE_POLICY:
    case NFTA_TRACE_NFPROTO:
    case NFTA_TRACE_TYPE: return AttrKind::U32;
    case NFTA_TRACE_RULE_HANDLE: return AttrKind::U64;
    case NFTA_TRACE_TABLE:
    case NFTA_TRACE_CHAIN: return AttrKind::String;
    case NFTA_TRACE_LL_HEADER:
    case NFTA_TRACE_NETWORK_HEADER:
    case NFTA_TRACE_TRANSPORT_HEADER: return AttrKind::Bytes;
    case NFTA_TRACE_VERDICT: return AttrKind::Nested;
    default: return AttrKind::Ignore;  // padding, and attributes newer than these headers
  }
}

const char* byte_ptr(const void* p) {
  return static_cast<const char*>(p);
}

const nlattr* as_attr(const char* p) {
  return reinterpret_cast<const nlattr*>(p);  // NOLINT: attributes are read in place
}

// Calls `on_attr` for each attribute in [begin, end); fails on any attribute that does
// not fit, so that nothing later reads past the message.
template <class F>
Status walk_attrs(const char* begin, const char* end, const char* where, F&& on_attr) {
  const char* p = begin;
  while (end - p >= static_cast<std::ptrdiff_t>(NLA_HDRLEN)) {
    const nlattr* attr = as_attr(p);
    if (attr->nla_len < NLA_HDRLEN || attr->nla_len > end - p) {
      return malformed(std::string("truncated attribute ") + std::to_string(attr->nla_type & NLA_TYPE_MASK) + " in " +
                       where);
    }
    FWPATH_TRY(on_attr(attr));
    p += NLA_ALIGN(attr->nla_len);
  }
  if (p < end) return malformed(std::string("trailing bytes after the attributes of ") + where);
  return {};
}

bool nul_terminated(const nlattr* attr) {
  const uint16_t len = mnl_attr_get_payload_len(attr);
  return len > 0 && std::memchr(mnl_attr_get_payload(attr), '\0', len) != nullptr;
}

Status check_size(const nlattr* attr, uint16_t type, size_t want) {
  if (mnl_attr_get_payload_len(attr) != want) {
    return malformed("attribute " + std::to_string(type) + " has " + std::to_string(mnl_attr_get_payload_len(attr)) +
                     " bytes, expected " + std::to_string(want));
  }
  return {};
}

// NFTA_TRACE_VERDICT holds NFTA_VERDICT_CODE and, for jump/goto, NFTA_VERDICT_CHAIN.
Status check_verdict(const nlattr* nest) {
  const char* begin = byte_ptr(mnl_attr_get_payload(nest));
  std::optional<uint32_t> code;
  bool has_chain = false;
  auto walked =
      walk_attrs(begin, begin + mnl_attr_get_payload_len(nest), "the verdict", [&](const nlattr* a) -> Status {
        const uint16_t type = mnl_attr_get_type(a);
        if (type == NFTA_VERDICT_CODE) {
          FWPATH_TRY(check_size(a, type, sizeof(uint32_t)));
          code = ntohl(mnl_attr_get_u32(a));
        } else if (type == NFTA_VERDICT_CHAIN) {
          if (!nul_terminated(a)) return malformed("verdict chain name is not a string");
          has_chain = true;
        }
        return {};
      });
  if (!walked) return walked;
  if (!code) return malformed("verdict without a code");
  const auto signed_code = static_cast<int32_t>(*code);
  if ((signed_code == NFT_JUMP || signed_code == NFT_GOTO) && !has_chain) {
    return malformed("jump/goto verdict without a target chain");
  }
  return {};
}

// Checks every attribute libnftnl will read, the way it reads it.
Status check_attributes(const nlmsghdr* nlh) {
  const char* begin = byte_ptr(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
  const char* end = byte_ptr(nlh) + nlh->nlmsg_len;
  std::array<bool, NFTA_TRACE_MAX + 1> seen{};
  auto walked = walk_attrs(begin, end, "the message", [&](const nlattr* a) -> Status {
    const uint16_t type = mnl_attr_get_type(a);
    switch (kind_of(type)) {
      case AttrKind::Ignore: return {};
      case AttrKind::U16: FWPATH_TRY(check_size(a, type, sizeof(uint16_t))); break;
      case AttrKind::U32: FWPATH_TRY(check_size(a, type, sizeof(uint32_t))); break;
      case AttrKind::U64: FWPATH_TRY(check_size(a, type, sizeof(uint64_t))); break;
      case AttrKind::String:
        if (!nul_terminated(a)) return malformed("attribute " + std::to_string(type) + " is not a string");
        break;
      case AttrKind::Bytes:
        if (mnl_attr_get_payload_len(a) == 0) return malformed("empty header attribute " + std::to_string(type));
        break;
      case AttrKind::Nested: FWPATH_TRY(check_verdict(a)); break;
    }
    seen.at(type) = true;
    return {};
  });
  if (!walked) return walked;
  if (!seen[NFTA_TRACE_ID]) return malformed("no trace id");
  if (!seen[NFTA_TRACE_TYPE]) return malformed("no trace type");
  return {};
}

model::TraceType trace_type(uint32_t t) {
  switch (t) {
    case NFT_TRACETYPE_RULE: return model::TraceType::Rule;
    case NFT_TRACETYPE_RETURN: return model::TraceType::Return;
    case NFT_TRACETYPE_POLICY: return model::TraceType::Policy;
    default: return model::TraceType::Unknown;
  }
}

// Kernels before the byte-order fix of nft_trace_notify() sent the chain policy in host
// order; on little-endian machines it then reads as 0x01000000 for accept.
uint32_t normalise_policy(uint32_t policy) {
  if (policy > 0xff && (policy & 0x00ffffffU) == 0) return policy >> 24;
  return policy;
}

std::vector<uint8_t> header_bytes(const nftnl_trace* t, uint16_t attr) {
  if (!nftnl_trace_is_set(t, attr)) return {};
  uint32_t len = 0;
  const auto* data = static_cast<const uint8_t*>(nftnl_trace_get_data(t, attr, &len));
  if (data == nullptr) return {};
  return {data, data + len};
}

std::string string_attr(const nftnl_trace* t, uint16_t attr) {
  const char* s = nftnl_trace_get_str(t, attr);
  return s != nullptr ? std::string(s) : std::string();
}

}  // namespace

std::string family_name(uint32_t nfproto) {
  switch (nfproto) {
    case NFPROTO_INET: return "inet";
    case NFPROTO_IPV4: return "ip";
    case NFPROTO_ARP: return "arp";
    case NFPROTO_NETDEV: return "netdev";
    case NFPROTO_BRIDGE: return "bridge";
    case NFPROTO_IPV6: return "ip6";
    default: return "family" + std::to_string(nfproto);
  }
}

model::Verdict verdict_from_code(uint32_t code) {
  const auto signed_code = static_cast<int32_t>(code);
  if (signed_code < 0) {
    switch (signed_code) {
      case NFT_CONTINUE: return model::Verdict::Continue;
      case NFT_BREAK: return model::Verdict::Break;
      case NFT_JUMP: return model::Verdict::Jump;
      case NFT_GOTO: return model::Verdict::Goto;
      case NFT_RETURN: return model::Verdict::Return;
      default: return model::Verdict::Unknown;
    }
  }
  // NF_DROP may carry an errno and NF_QUEUE a queue number above the low byte.
  switch (code & NF_VERDICT_MASK) {
    case NF_DROP: return model::Verdict::Drop;
    case NF_ACCEPT: return model::Verdict::Accept;
    case NF_STOLEN: return model::Verdict::Stolen;
    case NF_QUEUE: return model::Verdict::Queue;
    case NF_REPEAT: return model::Verdict::Repeat;
    case NF_STOP: return model::Verdict::Stop;
    default: return model::Verdict::Unknown;
  }
}

void decode_trace_datagram(std::span<const char> datagram, const std::function<void(DecodedTrace&&)>& on_trace,
                           const std::function<void(Error)>& on_undecodable) {
  const DatagramWalk walk = walk_datagram(datagram, [&](const nlmsghdr& nlh) {
    auto decoded = decode_trace(&nlh, nlh.nlmsg_len);
    if (decoded) {
      on_trace(std::move(decoded.value()));
    } else {
      on_undecodable(decoded.take_error());
    }
    return WalkStep::Next;
  });
  if (walk.trailing != 0) {
    on_undecodable(
        Error{ErrorKind::Environment,
              "malformed netlink datagram on the trace socket: " + std::to_string(walk.trailing) + " trailing bytes",
              "", EBADMSG});
  }
}

Result<DecodedTrace> decode_trace(const nlmsghdr* nlh, size_t available) {
  if (nlh == nullptr || available < NLMSG_HDRLEN) return malformed("shorter than a netlink header");
  if (nlh->nlmsg_len > available) {
    return malformed("claims " + std::to_string(nlh->nlmsg_len) + " bytes, " + std::to_string(available) + " received");
  }
  if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg))) return malformed("no nfgenmsg header");
  if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE) {
    return malformed("message type " + std::to_string(nlh->nlmsg_type) + " is not NFT_MSG_TRACE");
  }
  FWPATH_TRY(check_attributes(nlh));

  TraceHandle trace(nftnl_trace_alloc());
  if (!trace) return sys_error("allocate nftnl_trace", "", ENOMEM);
  if (nftnl_trace_nlmsg_parse(nlh, trace.get()) < 0) return malformed("rejected by libnftnl");
  const nftnl_trace* t = trace.get();

  DecodedTrace out;
  model::NftTraceEvent& ev = out.event;
  ev.family = family_name(nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY));
  ev.trace_id = nftnl_trace_get_u32(t, NFTNL_TRACE_ID);
  ev.type = trace_type(nftnl_trace_get_u32(t, NFTNL_TRACE_TYPE));
  ev.table = string_attr(t, NFTNL_TRACE_TABLE);
  ev.chain = string_attr(t, NFTNL_TRACE_CHAIN);
  if (ev.table.empty() || ev.chain.empty()) return malformed("no table or chain name");

  if (nftnl_trace_is_set(t, NFTNL_TRACE_RULE_HANDLE)) ev.rule_handle = nftnl_trace_get_u64(t, NFTNL_TRACE_RULE_HANDLE);
  if (ev.type == model::TraceType::Policy) {
    if (!nftnl_trace_is_set(t, NFTNL_TRACE_POLICY)) return malformed("policy event without a policy");
    ev.policy = normalise_policy(nftnl_trace_get_u32(t, NFTNL_TRACE_POLICY));
    ev.verdict = verdict_from_code(ev.policy);
  } else if (ev.type == model::TraceType::Rule || ev.type == model::TraceType::Return) {
    if (!nftnl_trace_is_set(t, NFTNL_TRACE_VERDICT)) return malformed("rule event without a verdict");
    ev.verdict = verdict_from_code(nftnl_trace_get_u32(t, NFTNL_TRACE_VERDICT));
    if (nftnl_trace_is_set(t, NFTNL_TRACE_JUMP_TARGET)) {
      // A NUL-terminated copy; the length libnftnl reports for it counts the NUL in
      // some versions and not in others.
      uint32_t len = 0;
      const auto* target = static_cast<const char*>(nftnl_trace_get_data(t, NFTNL_TRACE_JUMP_TARGET, &len));
      if (target != nullptr) ev.jump_target = target;
    }
  }
  ev.nfproto = nftnl_trace_get_u32(t, NFTNL_TRACE_NFPROTO);
  ev.mark = nftnl_trace_get_u32(t, NFTNL_TRACE_MARK);
  out.iif_index = nftnl_trace_get_u32(t, NFTNL_TRACE_IIF);
  out.oif_index = nftnl_trace_get_u32(t, NFTNL_TRACE_OIF);
  ev.network_header = header_bytes(t, NFTNL_TRACE_NETWORK_HEADER);
  ev.transport_header = header_bytes(t, NFTNL_TRACE_TRANSPORT_HEADER);
  return out;
}

}  // namespace fwpath::nft
