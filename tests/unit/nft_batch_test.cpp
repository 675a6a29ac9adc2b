// The layout of an nf_tables batch: BATCH_BEGIN, the messages with NLM_F_ACK and
// consecutive sequence numbers, BATCH_END. Opening an unbound-to-anything netlink socket
// needs no privilege; nothing is sent.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <vector>

#include "nft/batch.h"
#include "nft/netlink_socket.h"

namespace fwpath::nft {
namespace {

TEST(NftBatch, BeginMessagesEnd) {
  auto sock = NetlinkSocket::open(-1, "current");
  ASSERT_TRUE(sock.ok()) << sock.error().message();
  EXPECT_NE(sock->portid(), 0U);

  Batch batch(*sock);
  nftnl_table* t = nftnl_table_alloc();
  nftnl_table_set_str(t, NFTNL_TABLE_NAME, "fwpath_1_0");
  const uint32_t a = batch.add(NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE, "table inet fwpath_1_0",
                               [&](nlmsghdr* nlh) { nftnl_table_nlmsg_build_payload(nlh, t); });
  const uint32_t b = batch.add(NFT_MSG_DELTABLE, NFPROTO_INET, 0, "table inet fwpath_1_0 (delete)",
                               [&](nlmsghdr* nlh) { nftnl_table_nlmsg_build_payload(nlh, t); });
  nftnl_table_free(t);
  EXPECT_FALSE(batch.finished());
  batch.finish();
  ASSERT_TRUE(batch.finished());
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(batch.begin_seq() + 1, a);
  EXPECT_EQ(batch.end_seq(), b + 1);
  EXPECT_EQ(batch.objects().at(a), "table inet fwpath_1_0");

  const auto bytes = batch.bytes();
  std::vector<uint16_t> types;
  std::vector<uint32_t> seqs;
  std::vector<bool> acked;
  int left = static_cast<int>(bytes.size());
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data()); mnl_nlmsg_ok(nlh, left);
       nlh = mnl_nlmsg_next(nlh, &left)) {
    types.push_back(nlh->nlmsg_type);
    seqs.push_back(nlh->nlmsg_seq);
    acked.push_back((nlh->nlmsg_flags & NLM_F_ACK) != 0);
  }
  EXPECT_EQ(left, 0);
  const uint16_t nft = NFNL_SUBSYS_NFTABLES << 8;
  EXPECT_EQ(types, (std::vector<uint16_t>{NFNL_MSG_BATCH_BEGIN, static_cast<uint16_t>(nft | NFT_MSG_NEWTABLE),
                                          static_cast<uint16_t>(nft | NFT_MSG_DELTABLE), NFNL_MSG_BATCH_END}));
  EXPECT_EQ(seqs, (std::vector<uint32_t>{batch.begin_seq(), a, b, batch.end_seq()}));
  EXPECT_EQ(acked, (std::vector<bool>{false, true, true, false}));
}

TEST(NftBatch, FailuresNameTheirObject) {
  BatchResult r;
  EXPECT_TRUE(r.ok());
  r.failures.push_back({7, "chain inet nope c", ENOENT});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error_for(7), ENOENT);
  EXPECT_EQ(r.error_for(8), 0);
  EXPECT_EQ(r.first_error("install").message(), "install: kernel refused chain inet nope c: No such file or directory");
}

}  // namespace
}  // namespace fwpath::nft
