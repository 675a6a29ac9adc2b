// iptables-nft's `-m comment` matches, decoded from rules built the way iptables-nft
// builds them, and put back into the listing nft printed without them.
#include <arpa/inet.h>
#include <endian.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/xt_comment.h>

#include <cstring>
#include <vector>

#include "ruleset/listing_parser.h"
#include "ruleset/xt_comments.h"
#include "util/c_handle.h"

namespace fwpath::ruleset {
namespace {

using NftnlRule = CHandle<nftnl_rule, nftnl_rule_free>;

// One expression of a rule as the kernel sends it: {name, data {...}} in the list.
struct Expr {
  std::string kind;        // "match", "counter"
  std::string match_name;  // for a match
  std::string info;        // xt_comment_info text, for a match
};

// An NFT_MSG_NEWRULE message as in a rule dump, parsed the way the dump is.
NftnlRule rule_from_kernel(const std::vector<Expr>& exprs) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_NEWRULE, NFPROTO_IPV4, 0, 1);
  mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, "filter");
  mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, "cali-tw-cali1a2b3c4d5e6");
  mnl_attr_put_u64(nlh, NFTA_RULE_HANDLE, htobe64(29));
  nlattr* list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
  for (const auto& e : exprs) {
    nlattr* elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, e.kind.c_str());
    nlattr* data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
    if (e.kind == "match") {
      mnl_attr_put_strz(nlh, NFTA_MATCH_NAME, e.match_name.c_str());
      mnl_attr_put_u32(nlh, NFTA_MATCH_REV, htonl(0));
      xt_comment_info info{};
      std::strncpy(info.comment, e.info.c_str(), sizeof(info.comment) - 1);
      mnl_attr_put(nlh, NFTA_MATCH_INFO, sizeof(info), &info);
    } else if (e.kind == "counter") {
      mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, htobe64(1));
      mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, htobe64(176));
    }
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, elem);
  }
  mnl_attr_nest_end(nlh, list);
  NftnlRule r(nftnl_rule_alloc());
  EXPECT_TRUE(r);
  if (r) {
    EXPECT_EQ(nftnl_rule_nlmsg_parse(nlh, r.get()), 0);
  }
  return r;
}

TEST(XtComments, CommentMatchesInRuleOrder) {
  const auto r = rule_from_kernel({{"match", "comment", "cali:QEwUnRYpzXDkJ8lP"},
                                   {"match", "comment", "Drop if no policies passed packet"},
                                   {"match", "conntrack", "not a comment"},
                                   {"counter", "", ""},
                                   {"match", "comment", "a \"quoted\"\nword"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE), 29U);
  EXPECT_EQ(
      xt_comments_of(r.get()),
      (std::vector<std::string>{"cali:QEwUnRYpzXDkJ8lP", "Drop if no policies passed packet", "a  quoted  word"}));
  const auto none = rule_from_kernel({{"counter", "", ""}});
  ASSERT_TRUE(none);
  EXPECT_TRUE(xt_comments_of(none.get()).empty());
}

TEST(XtComments, WarningsNameTheManagedTables) {
  const std::string listing =
      "# Warning: table ip filter is managed by iptables-nft, do not touch!\n"
      "# Warning: table ip6 nat is managed by iptables-nft, do not touch!\n"
      "# Warning: table ip filter is managed by iptables-nft, do not touch!\n"
      "table ip filter { # handle 1\n}\n";
  EXPECT_EQ(iptables_nft_tables(listing),
            (std::vector<std::pair<std::string, std::string>>{{"ip", "filter"}, {"ip6", "nat"}}));
  EXPECT_TRUE(iptables_nft_tables("table inet filter { # handle 1\n}\n").empty());
  // A rule comment that merely quotes the words is not a warning line's table.
  EXPECT_TRUE(iptables_nft_tables("\t\tdrop comment \"x\" # handle 4\n# Warning: table ip\n").empty());
}

TEST(XtComments, AddedBeforeTheHandleOfTheRulesOfThatTableOnly) {
  const std::string listing =
      "# Warning: table ip filter is managed by iptables-nft, do not touch!\n"
      "table ip filter { # handle 1\n"
      "\tchain cali-tw-cali1a2b3c4d5e6 { # handle 10\n"
      "\t\t  meta mark & 0x00020000 == 0x00000000 counter packets 1 bytes 176 drop # handle 29\n"
      "\t\t counter packets 0 bytes 0 accept # handle 30\n"
      "\t}\n"
      "}\n"
      "table inet other { # handle 2\n"
      "\tchain input { # handle 1\n"
      "\t\ttcp dport 22 accept comment \"ssh # handle 29\" # handle 29\n"
      "\t}\n"
      "}\n";
  const XtComments comments = {{29, {"cali:QEwUnRYpzXDkJ8lP", "Drop if no policies passed packet"}}};
  const std::string out = add_xt_comments(listing, "ip", "filter", comments);
  auto parsed = parse_listing(out);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message() << "\n" << out;
  const Rule* calico = parsed->find_rule("ip", "filter", "cali-tw-cali1a2b3c4d5e6", 29);
  ASSERT_NE(calico, nullptr) << out;
  EXPECT_EQ(calico->text,
            "meta mark & 0x00020000 == 0x00000000 counter packets 1 bytes 176 drop comment \"cali:QEwUnRYpzXDkJ8lP\" "
            "comment \"Drop if no policies passed packet\"");
  const Rule* plain = parsed->find_rule("ip", "filter", "cali-tw-cali1a2b3c4d5e6", 30);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->text, "counter packets 0 bytes 0 accept");
  const Rule* other = parsed->find_rule("inet", "other", "input", 29);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->text, "tcp dport 22 accept comment \"ssh # handle 29\"") << "another table's handle 29";
  EXPECT_EQ(add_xt_comments(listing, "ip", "filter", {}), listing);
}

}  // namespace
}  // namespace fwpath::ruleset
