// The kernel's refusals come back attributed to the message that caused them, and the
// socket stays usable afterwards.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libnftnl/chain.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "integration/nft_fixtures.h"
#include "nft/batch.h"
#include "nft/netlink_socket.h"
#include "nft/table_list.h"

namespace fwpath::nft {
namespace {

TEST(NftNetlinkSocket, RefusalNamesTheMessageAndTheSocketStaysUsable) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  auto sock = NetlinkSocket::open(ns->get(), "lab");
  ASSERT_TRUE(sock.ok()) << sock.error().message();

  CHandle<nftnl_table, nftnl_table_free> table(nftnl_table_alloc());
  nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, "fine");
  CHandle<nftnl_chain, nftnl_chain_free> chain(nftnl_chain_alloc());
  nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, "missing");
  nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, "c");

  Batch batch(*sock);
  batch.add(NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE, "table inet fine",
            [&](nlmsghdr* nlh) { nftnl_table_nlmsg_build_payload(nlh, table.get()); });
  const uint32_t bad = batch.add(NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE, "chain inet missing c",
                                 [&](nlmsghdr* nlh) { nftnl_chain_nlmsg_build_payload(nlh, chain.get()); });
  batch.finish();
  auto answer = sock->commit(batch);
  ASSERT_TRUE(answer.ok()) << answer.error().message();
  ASSERT_EQ(answer->failures.size(), 1U);
  EXPECT_EQ(answer->failures[0].seq, bad);
  EXPECT_EQ(answer->failures[0].object, "chain inet missing c");
  EXPECT_EQ(answer->error_for(bad), ENOENT);

  // The transaction was all or nothing: the table that was fine is not there either, and
  // the socket answers the next request with no leftovers.
  auto tables = list_tables(*sock);
  ASSERT_TRUE(tables.ok()) << tables.error().message();
  EXPECT_TRUE(tables->empty());

  Batch again(*sock);
  again.add(NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE, "chain inet missing c",
            [&](nlmsghdr* nlh) { nftnl_chain_nlmsg_build_payload(nlh, chain.get()); });
  again.finish();
  auto applied = sock->apply(again, "add chain");
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().err, ENOENT);
  EXPECT_EQ(applied.error().message(), "add chain: kernel refused chain inet missing c: No such file or directory");
}

}  // namespace
}  // namespace fwpath::nft
