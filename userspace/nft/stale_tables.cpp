#include "nft/stale_tables.h"

#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>
#include <signal.h>

#include <cerrno>
#include <optional>

#include "nft/batch.h"
#include "nft/netlink_socket.h"
#include "nft/table_list.h"
#include "nft/tracer_name.h"
#include "util/c_handle.h"

namespace fwpath::nft {

namespace {
using NftnlTable = CHandle<nftnl_table, nftnl_table_free>;

bool process_alive(pid_t pid) {
  // EPERM: it exists but belongs to someone else; still alive.
  return ::kill(pid, 0) == 0 || errno == EPERM;
}
}  // namespace

namespace {
// One pass: list, pick the stale tables, delete them in one transaction. nullopt when
// the transaction was rolled back because a table vanished meanwhile (ENOENT).
Result<std::optional<std::vector<std::string>>> sweep_once(NetlinkSocket& sock, const std::string& netns_label) {
  auto tables = list_tables(sock);
  if (!tables) return tables.take_error();

  std::vector<TableInfo> stale;
  for (const TableInfo& t : *tables) {
    const auto pid = tracer_table_pid(t.name);
    if (!pid || t.owned || process_alive(*pid)) continue;
    stale.push_back(t);
  }
  std::vector<std::string> removed;
  if (stale.empty()) return std::optional(removed);

  std::vector<NftnlTable> objects;
  Batch batch(sock);
  for (const TableInfo& t : stale) {
    NftnlTable obj(nftnl_table_alloc());
    if (!obj) return sys_error("allocate nftnl table", t.name, ENOMEM);
    nftnl_table_set_str(obj.get(), NFTNL_TABLE_NAME, t.name.c_str());
    batch.add(NFT_MSG_DELTABLE, static_cast<uint16_t>(t.nfproto), 0, "table " + t.family + " " + t.name,
              [&](nlmsghdr* nlh) { nftnl_table_nlmsg_build_payload(nlh, obj.get()); });
    objects.push_back(std::move(obj));
  }
  batch.finish();
  auto answer = sock.commit(batch);
  if (!answer) return answer.take_error().context("remove stale tracer tables in network namespace " + netns_label);
  for (const auto& f : answer->failures) {
    // Anything but ENOENT (another fwpath swept that table first) is a real refusal.
    if (f.err != ENOENT) return answer->first_error("remove stale tracer tables in network namespace " + netns_label);
  }
  if (!answer->ok()) return std::optional<std::vector<std::string>>();
  for (const TableInfo& t : stale) removed.push_back(t.name);
  return std::optional(removed);
}

constexpr int kSweepAttempts = 3;
}  // namespace

Result<std::vector<std::string>> sweep_stale_tables(int netns_fd, const std::string& netns_label) {
  auto sock = NetlinkSocket::open(netns_fd, netns_label);
  if (!sock) return sock.take_error();
  for (int attempt = 0; attempt < kSweepAttempts; ++attempt) {
    auto pass = sweep_once(*sock, netns_label);
    if (!pass) return pass.take_error();
    if (*pass) return std::move(**pass);
  }
  return env_error("remove stale tracer tables: the tables kept changing in network namespace", netns_label, EAGAIN);
}

}  // namespace fwpath::nft
