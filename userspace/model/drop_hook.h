#pragma once
// Where a netfilter drop that no nftables verdict made (an iptables-legacy rule, another
// hook user) happened, from the last hook nft saw the packet at in that namespace. Hooks
// come in a fixed order along a packet's way through a namespace, so the drop was at that
// hook (after nft's chains there) or at a later one; where no netfilter hook follows, the
// hook is known. Pure.
#include <string>
#include <vector>

#include "model/events.h"

namespace fwpath::model {

// The hooks a packet last seen at `seen` can still meet: `seen` itself first, then those
// after it on any way on (local delivery, forwarding, output). Empty for Unknown.
std::vector<Hook> hooks_from(Hook seen);

struct DropHookInference {
  Hook hook = Hook::Unknown;  // set only when one hook is possible
  bool inferred = false;
  std::string note;  // why that hook, or which hooks are possible; empty without a sighting
};

DropHookInference infer_netfilter_drop_hook(Hook last_seen);

}  // namespace fwpath::model
