// Where a netfilter drop no nft verdict made can have happened, from the last hook nft saw
// the packet at: exactly one hook only where no netfilter hook follows.
#include "model/drop_hook.h"

#include <gtest/gtest.h>

namespace fwpath::model {
namespace {

TEST(DropHook, OnlyTheLastHooksOfAWayAreInferred) {
  for (const Hook h : {Hook::Input, Hook::Postrouting}) {
    const auto r = infer_netfilter_drop_hook(h);
    EXPECT_TRUE(r.inferred) << to_string(h);
    EXPECT_EQ(r.hook, h);
  }
  for (const Hook h : {Hook::Prerouting, Hook::Forward, Hook::Output, Hook::Ingress}) {
    const auto r = infer_netfilter_drop_hook(h);
    EXPECT_FALSE(r.inferred) << to_string(h);
    EXPECT_EQ(r.hook, Hook::Unknown);
    EXPECT_FALSE(r.note.empty());
  }
  EXPECT_TRUE(infer_netfilter_drop_hook(Hook::Unknown).note.empty());
}

TEST(DropHook, LaterHooksFollowThePacketsWays) {
  EXPECT_EQ(hooks_from(Hook::Forward), (std::vector<Hook>{Hook::Forward, Hook::Postrouting}));
  EXPECT_EQ(hooks_from(Hook::Output), (std::vector<Hook>{Hook::Output, Hook::Postrouting}));
  EXPECT_EQ(hooks_from(Hook::Prerouting),
            (std::vector<Hook>{Hook::Prerouting, Hook::Input, Hook::Forward, Hook::Postrouting}));
  EXPECT_EQ(infer_netfilter_drop_hook(Hook::Forward).note,
            "nft last saw the packet at forward in this namespace: the drop was at forward (after nft's chains "
            "there) or at postrouting");
}

}  // namespace
}  // namespace fwpath::model
