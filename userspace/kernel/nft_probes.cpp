#include "kernel/nft_probes.h"

#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <libnftnl/trace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <vector>

#include "kernel/netlink_io.h"
#include "kernel/probe_support.h"
#include "util/c_handle.h"
#include "util/netns.h"

namespace fwpath::kernel {

namespace {

using Clock = std::chrono::steady_clock;
using NftCtx = CHandle<nft_ctx, nft_ctx_free>;
using NftnlTable = CHandle<nftnl_table, nftnl_table_free>;
using NftnlTrace = CHandle<nftnl_trace, nftnl_trace_free>;

constexpr const char* kTraceTable = "fwpath_kcheck_trace";
constexpr const char* kOwnerTable = "fwpath_kcheck_owner";
constexpr uint16_t kTracePort = 33002;
constexpr std::chrono::milliseconds kTraceWait{500};

constexpr uint16_t nft_msg(int msg) {
  return static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg);
}

// The tracer's own kind of table: it only marks the test datagram for tracing, never
// decides its fate.
Status add_trace_table() {
  const NftCtx ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return env_error("create libnftables context");
  if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
    return env_error("buffer libnftables output");
  }
  const std::string ruleset = std::string("table ip ") + kTraceTable +
                              " {\n"
                              "  chain output {\n"
                              "    type filter hook output priority 0;\n"
                              "    udp dport " +
                              std::to_string(kTracePort) +
                              " meta nftrace set 1\n"
                              "  }\n"
                              "}\n";
  if (nft_run_cmd_from_buffer(ctx.get(), ruleset.c_str()) != 0) {
    std::string why = nft_ctx_get_error_buffer(ctx.get());
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return env_error("create the trace table: " + why);
  }
  return {};
}

struct TraceSeen {
  bool ours = false;
  std::string chain;
  uint64_t rule_handle = 0;
};

// Our trace event, if `nlh` is one.
std::optional<TraceSeen> our_trace(const nlmsghdr& nlh) {
  if (nlh.nlmsg_type != nft_msg(NFT_MSG_TRACE)) return std::nullopt;
  const NftnlTrace trace(nftnl_trace_alloc());
  if (!trace || nftnl_trace_nlmsg_parse(&nlh, trace.get()) < 0) return std::nullopt;
  if (!nftnl_trace_is_set(trace.get(), NFTNL_TRACE_TABLE) ||
      std::string(nftnl_trace_get_str(trace.get(), NFTNL_TRACE_TABLE)) != kTraceTable) {
    return std::nullopt;
  }
  TraceSeen seen;
  seen.ours = true;
  if (nftnl_trace_is_set(trace.get(), NFTNL_TRACE_CHAIN))
    seen.chain = nftnl_trace_get_str(trace.get(), NFTNL_TRACE_CHAIN);
  if (nftnl_trace_is_set(trace.get(), NFTNL_TRACE_RULE_HANDLE)) {
    seen.rule_handle = nftnl_trace_get_u64(trace.get(), NFTNL_TRACE_RULE_HANDLE);
  }
  return seen;
}

// Reads multicast messages until our trace arrives or the deadline passes.
Result<TraceSeen> await_trace(mnl_socket* sock, Clock::time_point deadline) {
  TraceSeen seen;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  while (!seen.ours) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return sys_error("no trace event within", std::to_string(kTraceWait.count()) + " ms", ETIMEDOUT);
    FWPATH_TRY(wait_readable(mnl_socket_get_fd(sock), left, "wait for a trace event"));
    auto got = receive_datagram(mnl_socket_get_fd(sock), buf, 0);
    if (!got) return sys_error("receive trace events", "", got.error().err);
    walk_datagram({buf.data(), got->size}, [&](const nlmsghdr& nlh) {
      auto ours = our_trace(nlh);
      if (!ours) return WalkStep::Next;
      seen = std::move(ours.value());
      return WalkStep::Stop;
    });
  }
  return seen;
}

Result<std::string> traced_datagram() {
  auto sock = open_netlink(NETLINK_NETFILTER, "nftables trace");
  if (!sock) return sock.take_error();
  int group = NFNLGRP_NFTRACE;
  if (mnl_socket_setsockopt(sock->get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) != 0) {
    return sys_error("join netlink group", "NFNLGRP_NFTRACE");
  }
  FWPATH_TRY(add_trace_table());
  const auto sent = Clock::now();
  FWPATH_TRY(send_udp_loopback(kTracePort));
  auto seen = await_trace(sock->get(), sent + kTraceWait);
  if (!seen) return seen.take_error();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count();
  return "trace event delivered over netlink " + std::to_string(us) + " us after the test datagram (table " +
         kTraceTable + ", chain " + seen->chain + ", rule handle " + std::to_string(seen->rule_handle) + ")";
}

// A table as a netlink dump shows it.
struct TableSeen {
  std::string name;
  uint32_t flags = 0;
  std::optional<uint32_t> owner;
};

std::optional<TableSeen> table_seen(const nlmsghdr& nlh) {
  const NftnlTable t(nftnl_table_alloc());
  if (!t || nftnl_table_nlmsg_parse(&nlh, t.get()) < 0 || !nftnl_table_is_set(t.get(), NFTNL_TABLE_NAME)) {
    return std::nullopt;
  }
  TableSeen seen;
  seen.name = nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME);
  if (nftnl_table_is_set(t.get(), NFTNL_TABLE_FLAGS)) seen.flags = nftnl_table_get_u32(t.get(), NFTNL_TABLE_FLAGS);
  if (nftnl_table_is_set(t.get(), NFTNL_TABLE_OWNER)) seen.owner = nftnl_table_get_u32(t.get(), NFTNL_TABLE_OWNER);
  return seen;
}

// The ip tables of this namespace, from a fresh socket (never the owner's).
Result<std::optional<TableSeen>> find_table(const char* name) {
  auto sock = open_netlink(NETLINK_NETFILTER, "nftables dump");
  if (!sock) return sock.take_error();
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  const uint32_t seq = next_netlink_seq();
  const nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETTABLE, NFPROTO_IPV4, NLM_F_DUMP, seq);
  std::vector<TableSeen> tables;
  FWPATH_TRY(netlink_exchange(
      sock->get(), nlh, nlh->nlmsg_len, seq,
      [&](const nlmsghdr& m) -> Status {
        if (auto t = table_seen(m)) tables.push_back(std::move(t.value()));
        return {};
      },
      "list nftables tables"));
  for (auto& t : tables) {
    if (t.name == name) return std::optional<TableSeen>(std::move(t));
  }
  return std::optional<TableSeen>();
}

// batch begin, NEWTABLE with the owner flag, batch end: one transaction.
Status create_owned_table(mnl_socket* sock) {
  const NftnlTable table(nftnl_table_alloc());
  if (!table) return env_error("allocate nftnl table");
  nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, kOwnerTable);
  nftnl_table_set_u32(table.get(), NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
  nftnl_table_set_u32(table.get(), NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);

  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  size_t used = 0;
  auto append = [&](nlmsghdr* nlh) { used += NLMSG_ALIGN(nlh->nlmsg_len); };
  append(nftnl_batch_begin(buf.data() + used, next_netlink_seq()));
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data() + used, NFT_MSG_NEWTABLE, NFPROTO_IPV4,
                                        NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, next_netlink_seq());
  nftnl_table_nlmsg_build_payload(nlh, table.get());
  append(nlh);
  append(nftnl_batch_end(buf.data() + used, next_netlink_seq()));
  // Sequence 0: an error may answer any message of the batch.
  return netlink_exchange(sock, buf.data(), used, 0, nullptr, "create a table with the owner flag");
}

Result<std::string> owned_table_lifecycle() {
  auto owner = open_netlink(NETLINK_NETFILTER, "nftables owner");
  if (!owner) return owner.take_error();
  const uint32_t portid = mnl_socket_get_portid(owner->get());
  FWPATH_TRY(create_owned_table(owner->get()));

  auto while_open = find_table(kOwnerTable);
  if (!while_open) return while_open.take_error();
  if (!*while_open) return env_error("the owned table was accepted but is missing from a dump");
  if (((*while_open)->flags & NFT_TABLE_F_OWNER) == 0) {
    return env_error("the kernel accepted the table but dropped its owner flag");
  }
  if ((*while_open)->owner && *(*while_open)->owner != portid) {
    return env_error("the table names another owner port id than its socket's");
  }

  owner->reset();  // closing the owner socket must take the table with it
  auto after_close = find_table(kOwnerTable);
  if (!after_close) return after_close.take_error();
  if (*after_close) return env_error("the owned table stayed after its socket closed");
  return std::string("table created with NFT_TABLE_F_OWNER, listed with owner port id ") + std::to_string(portid) +
         ", gone as soon as its socket closed";
}

// EOPNOTSUPP/EINVAL on the flag is the kernel saying "no such feature"; say it plainly.
std::string owner_refusal(const Error& e) {
  if (e.err == EOPNOTSUPP || e.err == EINVAL) return "the kernel refused the owner flag: " + errno_text(e.err);
  return e.message();
}

}  // namespace

model::FeatureResult probe_nft_trace(int netns_fd) {
  auto in_ns = NetnsEnter::enter(netns_fd, "kernel-check private namespace");
  if (!in_ns) return unavailable("nft_trace", in_ns.error());
  auto r = traced_datagram();
  if (!r) return unavailable("nft_trace", r.error());
  return available("nft_trace", r.value());
}

model::FeatureResult probe_nft_table_owner(int netns_fd) {
  auto in_ns = NetnsEnter::enter(netns_fd, "kernel-check private namespace");
  if (!in_ns) return unavailable("nft_table_owner", in_ns.error());
  auto r = owned_table_lifecycle();
  if (!r) return unavailable("nft_table_owner", owner_refusal(r.error()));
  return available("nft_table_owner", r.value());
}

}  // namespace fwpath::kernel
