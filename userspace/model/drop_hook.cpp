#include "model/drop_hook.h"

namespace fwpath::model {

std::vector<Hook> hooks_from(Hook seen) {
  switch (seen) {
    case Hook::Ingress: return {Hook::Ingress, Hook::Prerouting, Hook::Input, Hook::Forward, Hook::Postrouting};
    case Hook::Prerouting: return {Hook::Prerouting, Hook::Input, Hook::Forward, Hook::Postrouting};
    case Hook::Input: return {Hook::Input};
    case Hook::Forward: return {Hook::Forward, Hook::Postrouting};
    case Hook::Output: return {Hook::Output, Hook::Postrouting};
    case Hook::Postrouting: return {Hook::Postrouting};
    case Hook::Egress: return {Hook::Egress};
    case Hook::Unknown: break;
  }
  return {};
}

DropHookInference infer_netfilter_drop_hook(Hook last_seen) {
  DropHookInference out;
  const auto candidates = hooks_from(last_seen);
  if (candidates.empty()) return out;
  const std::string seen = to_string(last_seen);
  if (candidates.size() == 1) {
    out.hook = last_seen;
    out.inferred = true;
    out.note = "nft last saw the packet at " + seen + " in this namespace and no netfilter hook follows " + seen +
               " on its way: the drop was at " + seen + ", after nft's chains there";
    return out;
  }
  std::string later;
  for (size_t i = 1; i < candidates.size(); ++i) {
    later += (i == 1 ? "" : i + 1 == candidates.size() ? " or " : ", ") + to_string(candidates[i]);
  }
  out.note = "nft last saw the packet at " + seen + " in this namespace: the drop was at " + seen +
             " (after nft's chains there) or at " + later;
  return out;
}

}  // namespace fwpath::model
