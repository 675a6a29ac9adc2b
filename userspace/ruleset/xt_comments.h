#pragma once
// The comments of rules iptables-nft wrote. iptables-nft (1.8.9) keeps each
// `-m comment --comment TEXT` as an xt match expression named "comment" (its info is
// struct xt_comment_info), not as the rule's userdata comment nft prints; nft (1.0.6)
// translates that match to nothing, so a Calico rule lists as
// `meta mark & 0x00020000 == 0x00000000 counter packets 1 bytes 176 drop` without the
// `cali:...` id that names it. libnftables flags such tables on its error output
// ("# Warning: table ip filter is managed by iptables-nft, do not touch!"); for those
// tables the rules are dumped once more with libnftnl, the comment matches decoded, and
// their text added to the listing as nft prints a rule comment: ` comment "TEXT"` before
// "# handle N", once per match, in rule order.
#include <libnftnl/rule.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace fwpath::ruleset {

using XtComments = std::map<uint64_t, std::vector<std::string>>;  // rule handle -> comments

// Pure: the texts of the rule's xt "comment" matches, in rule order. A quote or a line
// break, which the listing could not hold, becomes a space.
std::vector<std::string> xt_comments_of(const nftnl_rule* rule);

// Pure: the (family, table) pairs a libnftables listing's warnings name as managed by
// iptables-nft.
std::vector<std::pair<std::string, std::string>> iptables_nft_tables(std::string_view listing);

// Pure: `listing` with ` comment "TEXT"` added to every rule of table `family` `table`
// whose handle `comments` holds.
std::string add_xt_comments(std::string_view listing, const std::string& family, const std::string& table,
                            const XtComments& comments);

// The xt comments of every rule of the table, dumped in the namespace `netns_fd`
// (negative: the current one).
Result<XtComments> dump_xt_comments(int netns_fd, const std::string& netns_label, const std::string& family,
                                    const std::string& table);

// The listing with the xt comments of every table its warnings name; unchanged (and no
// dump made) when there is none.
Result<std::string> with_xt_comments(int netns_fd, const std::string& netns_label, std::string listing);

}  // namespace fwpath::ruleset
