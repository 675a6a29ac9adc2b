#include "nft/table_list.h"

#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <array>

#include "nft/trace_decode.h"
#include "util/c_handle.h"

namespace fwpath::nft {

namespace {
using NftnlTable = CHandle<nftnl_table, nftnl_table_free>;
constexpr int kDumpAttempts = 3;
}  // namespace

Result<std::vector<TableInfo>> list_tables(NetlinkSocket& sock) {
  for (int attempt = 1;; ++attempt) {
    std::vector<TableInfo> tables;
    std::array<char, 256> request{};
    const nlmsghdr* nlh =
        nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETTABLE, NFPROTO_UNSPEC, NLM_F_DUMP, sock.next_seq());
    auto status = sock.dump(
        nlh,
        [&](const nlmsghdr& reply) -> Status {
          NftnlTable t(nftnl_table_alloc());
          if (!t) return sys_error("allocate nftnl table", "", ENOMEM);
          if (nftnl_table_nlmsg_parse(&reply, t.get()) < 0) {
            return env_error("parse table in nf_tables dump of", sock.netns_label(), errno);
          }
          TableInfo info;
          info.nfproto = nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY);
          info.family = family_name(info.nfproto);
          const char* name = nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME);
          info.name = name != nullptr ? name : "";
          info.flags = nftnl_table_get_u32(t.get(), NFTNL_TABLE_FLAGS);
          info.owned = (info.flags & NFT_TABLE_F_OWNER) != 0;
          tables.push_back(std::move(info));
          return {};
        },
        "list nf_tables tables");
    if (status) return tables;
    if (status.error().err != EINTR || attempt == kDumpAttempts) return status.take_error();
  }
}

}  // namespace fwpath::nft
