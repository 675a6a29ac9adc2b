#pragma once
// A tc ingress drop filter (clsact qdisc + flower filter with action drop), installed with
// the `tc` tool inside the lab namespace: the packet dies before netfilter sees it, the
// way a CNI's or an operator's tc program drops it (scenario S21).
#include "lab/lab_spec.h"
#include "lab/rtnl.h"
#include "util/error.h"

namespace fwpath::lab {

Status add_tc_ingress_drop(const NetnsRef& ns, const TcDropSpec& spec);

}  // namespace fwpath::lab
