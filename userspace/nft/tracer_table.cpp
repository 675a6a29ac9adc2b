#include "nft/tracer_table.h"

#include <libnftnl/chain.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "nft/batch.h"
#include "nft/tracer_name.h"

namespace fwpath::nft {

namespace {

using NftnlTable = CHandle<nftnl_table, nftnl_table_free>;
using NftnlChain = CHandle<nftnl_chain, nftnl_chain_free>;

struct HookChain {
  const char* name;
  uint32_t hooknum;
};
// Only where packets enter a namespace's netfilter path: from a device (prerouting) or
// from a local socket (output). skb->nf_trace stays set on the later hooks of the same
// namespace (input, forward, postrouting) and is cleared only by skb_scrub_packet() when
// the packet crosses into another namespace, where that namespace's prerouting marks it
// again. Every chain of the node's ruleset then reports the packet, and the tracer's
// table costs a packet that is not a probe two base chains instead of five.
constexpr std::array<HookChain, 2> kHookChains = {{
    {"prerouting", NF_INET_PRE_ROUTING},
    {"output", NF_INET_LOCAL_OUT},
}};

// Every watched port is one element of the set message (8 KiB, about 24 bytes per
// element, next to 56 ICMP error elements); keep it and the kernel's answers small.
constexpr size_t kMaxWatchPorts = 64;
// Room for the kernel's answers to one transaction (one small datagram per message).
constexpr int kAnswerBufferBytes = 4 * 1024 * 1024;
// Table name taken (EEXIST), owner flag refused, priority refused: a few retries at most.
constexpr int kInstallAttempts = 5;

std::atomic<uint32_t> g_table_counter{0};

struct Attempt {
  std::string name;
  bool owner = true;
  int32_t priority = TracerTable::kFirstPriority;
};

struct Sent {
  uint32_t table_seq = 0;
  std::vector<uint32_t> chain_seqs;
};

std::string table_object(const std::string& name) {
  return "table inet " + name;
}

Result<NftnlTable> table_object_for(const std::string& name) {
  NftnlTable t(nftnl_table_alloc());
  if (!t) return sys_error("allocate nftnl table", name, ENOMEM);
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, name.c_str());
  return t;
}

Result<Sent> add_install_messages(Batch& batch, const Attempt& a, const TraceSet& ts,
                                  const std::vector<uint32_t>& markers) {
  Sent sent;
  auto table = table_object_for(a.name);
  if (!table) return table.take_error();
  if (a.owner) nftnl_table_set_u32(table->get(), NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
  sent.table_seq = batch.add(NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL, table_object(a.name),
                             [&](nlmsghdr* nlh) { nftnl_table_nlmsg_build_payload(nlh, table->get()); });

  // The sets and their elements come before the rules that bind them (a constant set
  // takes no elements once bound). Their ids tie the rules to them within the transaction.
  constexpr TraceSetIds kSetIds{1, 2};
  auto watch = build_trace_set(a.name, ts, kSetIds.watch);
  if (!watch) return watch.take_error();
  auto ports = build_port_set(a.name, ts, kSetIds.ports);
  if (!ports) return ports.take_error();
  for (const auto* set : {&watch.value(), &ports.value()}) {
    const std::string object = "set inet " + a.name + " " + nftnl_set_get_str(set->get(), NFTNL_SET_NAME);
    batch.add(NFT_MSG_NEWSET, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL, object,
              [&](nlmsghdr* nlh) { nftnl_set_nlmsg_build_payload(nlh, set->get()); });
    batch.add(NFT_MSG_NEWSETELEM, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL, "elements of " + object,
              [&](nlmsghdr* nlh) { nftnl_set_elems_nlmsg_build_payload(nlh, set->get()); });
  }
  const std::vector<TraceMatch> matches = tracer_matches(ts);

  for (const HookChain& hc : kHookChains) {
    NftnlChain chain(nftnl_chain_alloc());
    if (!chain) return sys_error("allocate nftnl chain", hc.name, ENOMEM);
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, a.name.c_str());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, hc.name);
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_HOOKNUM, hc.hooknum);
    nftnl_chain_set_s32(chain.get(), NFTNL_CHAIN_PRIO, a.priority);
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
    sent.chain_seqs.push_back(batch.add(NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL,
                                        "chain inet " + a.name + " " + hc.name,
                                        [&](nlmsghdr* nlh) { nftnl_chain_nlmsg_build_payload(nlh, chain.get()); }));
    // Appends one rule to this chain; `match` names it in errors.
    auto add_rule = [&](Result<NftnlRule> rule, const std::string& match) -> Status {
      if (!rule) return rule.take_error();
      batch.add(NFT_MSG_NEWRULE, NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND,
                "rule \"" + match + " meta nftrace set 1\" in chain inet " + a.name + " " + hc.name,
                [&](nlmsghdr* nlh) { nftnl_rule_nlmsg_build_payload(nlh, rule->get()); });
      return {};
    };
    for (const TraceMatch& m : matches) {
      FWPATH_TRY(add_rule(build_trace_rule(a.name, hc.name, m, kSetIds), m.description));
    }
    for (const uint32_t marker : markers) {
      FWPATH_TRY(add_rule(build_marker_rule(a.name, hc.name, marker), marker_match_text(marker)));
    }
  }
  return sent;
}

bool refused_as_unsupported(int err) {
  return err == EINVAL || err == EOPNOTSUPP || err == ERANGE;
}

}  // namespace

const std::array<const char*, TracerTable::kChains>& TracerTable::chain_names() {
  static const std::array<const char*, kChains> names = {kHookChains[0].name, kHookChains[1].name};
  return names;
}

Result<TracerTable> TracerTable::install(int netns_fd, const std::string& netns_label, const TracerConfig& config) {
  if (config.udp_markers.size() > kMaxWatchPorts / 2) {
    return input_error("too many UDP probes (at most " + std::to_string(kMaxWatchPorts / 2) + "):",
                       std::to_string(config.udp_markers.size()));
  }
  if (config.ports.size() > kMaxWatchPorts) {
    return input_error("too many watched ports (at most " + std::to_string(kMaxWatchPorts) + "):",
                       std::to_string(config.ports.size()));
  }
  auto set = tracer_set(config);
  if (!set) return set.take_error();
  auto sock = NetlinkSocket::open(netns_fd, netns_label);
  if (!sock) return sock.take_error();
  if (auto buf = sock->set_receive_buffer(kAnswerBufferBytes); !buf) return buf.take_error();

  Attempt a;
  a.name = tracer_table_name(::getpid(), g_table_counter++);
  for (int i = 0; i < kInstallAttempts; ++i) {
    Batch batch(*sock);
    auto sent = add_install_messages(batch, a, *set, config.udp_markers);
    if (!sent) return sent.take_error();
    batch.finish();
    auto answer = sock->commit(batch);
    if (!answer) return answer.take_error().context("install tracer table in network namespace " + netns_label);
    if (answer->ok()) {
      return TracerTable(std::move(sock).value(), a.name, netns_label, a.owner, a.priority);
    }
    // The transaction was rolled back as a whole; change what the kernel refused.
    const int table_err = answer->error_for(sent->table_seq);
    if (table_err == EEXIST) {
      // Left by an earlier process with our pid that was killed on a kernel without the
      // owner flag; sweep_stale_tables() removes those once that pid is gone.
      a.name = tracer_table_name(::getpid(), g_table_counter++);
      continue;
    }
    if (a.owner && refused_as_unsupported(table_err)) {
      a.owner = false;  // kernels before 5.12 do not know NFT_TABLE_F_OWNER
      continue;
    }
    int chain_err = 0;
    for (uint32_t seq : sent->chain_seqs) {
      if (chain_err == 0) chain_err = answer->error_for(seq);
    }
    if (a.priority == kFirstPriority && refused_as_unsupported(chain_err)) {
      a.priority = kFallbackPriority;
      continue;
    }
    return answer->first_error("install tracer table in network namespace " + netns_label);
  }
  return env_error("install tracer table: the kernel kept refusing it in network namespace", netns_label);
}

TracerTable::TracerTable(TracerTable&& other) noexcept
    : sock_(std::move(other.sock_)),
      name_(std::move(other.name_)),
      netns_label_(std::move(other.netns_label_)),
      owner_flag_(other.owner_flag_),
      priority_(other.priority_) {
  other.sock_.reset();  // a moved-from optional stays engaged; the table is ours now
}

TracerTable::~TracerTable() {
  if (!sock_) return;
  if (auto removed = remove(); !removed) {
    (void)std::fprintf(stderr, "fwpath: %s (left for the next sweep of stale tables)\n",
                       removed.error().message().c_str());
  }
}

Status TracerTable::remove() {
  if (!sock_) return {};
  auto table = table_object_for(name_);
  if (!table) return table.take_error();
  Batch batch(*sock_);
  batch.add(NFT_MSG_DELTABLE, NFPROTO_INET, 0, table_object(name_),
            [&](nlmsghdr* nlh) { nftnl_table_nlmsg_build_payload(nlh, table->get()); });
  batch.finish();
  auto answer = sock_->commit(batch);
  // Closing the socket also makes the kernel delete an owned table.
  sock_.reset();
  if (!answer) return answer.take_error().context("remove tracer table " + name_);
  if (!answer->ok() && answer->failures.front().err != ENOENT) {
    return answer->first_error("remove tracer table in network namespace " + netns_label_);
  }
  return {};
}

}  // namespace fwpath::nft
