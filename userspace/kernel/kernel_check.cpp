#include "kernel/kernel_check.h"

#include <sys/utsname.h>

#include <chrono>
#include <map>

#include "kernel/bpf_probes.h"
#include "kernel/btf_probes.h"
#include "kernel/netlink_io.h"
#include "kernel/nf_tables_location.h"
#include "kernel/nft_probes.h"
#include "kernel/node_probes.h"
#include "kernel/probe_support.h"
#include "lab/rtnl.h"
#include "util/netns.h"
#include "util/signals.h"

namespace fwpath::kernel {

namespace {

// A private namespace with lo up: the probes' datagrams travel over it.
Result<UniqueFd> create_probe_netns() {
  auto ns = create_private_netns();
  if (!ns) return ns.take_error();
  FWPATH_TRY(lab::set_link_up(lab::NetnsRef{ns->get(), "kernel-check private namespace"}, "lo"));
  return ns;
}

class Collector {
 public:
  void add(model::FeatureResult r) {
    std::string name = r.name;
    results_[std::move(name)] = std::move(r);
  }
  model::FeatureResult& at(const std::string& name) { return results_.at(name); }
  // Report order; a probe that never ran shows as unavailable rather than vanishing.
  [[nodiscard]] std::vector<model::FeatureResult> ordered() const {
    std::vector<model::FeatureResult> out;
    for (const auto& name : model::kernel_feature_names()) {
      auto it = results_.find(name);
      out.push_back(it != results_.end() ? it->second : unavailable(name, "not probed"));
    }
    return out;
  }

 private:
  std::map<std::string, model::FeatureResult> results_;
};

}  // namespace

std::string kernel_release() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return u.release;
}

Result<model::KernelReport> run_kernel_check(const Status& tracefs_ready) {
  const auto started = std::chrono::steady_clock::now();
  Collector c;

  auto vmlinux = load_vmlinux_btf();
  const btf* vmlinux_btf = vmlinux ? vmlinux->get() : nullptr;
  c.add(btf_vmlinux_feature(vmlinux));
  c.add(probe_kfree_skb_reason(vmlinux_btf));

  {
    // The namespace lives only for this block: it, and whatever the probes left in it,
    // is gone before the report is written.
    auto netns = create_probe_netns();
    const int fd = netns ? netns->get() : -1;
    c.add(probe_tracepoint(tracefs_ready, fd));
    c.add(probe_raw_tracepoint(fd));
    c.add(probe_tp_btf(fd));
    c.add(probe_fentry_vmlinux());
    c.add(probe_fentry_nf_tables());
    c.add(probe_kprobe());
    c.add(probe_ringbuf());
    if (stop_requested()) return interrupted_error("kernel-check");
    if (netns) {
      c.add(probe_tc(fd));
      c.add(probe_nft_trace(fd));
      c.add(probe_nft_table_owner(fd));
      c.add(probe_conntrack_netlink(fd));
      c.add(probe_wireguard(fd));
    } else {
      const Error why = netns.error().context("no private network namespace for the probe");
      for (const char* name : {"tc", "nft_trace", "nft_table_owner", "conntrack_netlink", "wireguard"}) {
        c.add(unavailable(name, why));
      }
    }
  }
  if (stop_requested()) return interrupted_error("kernel-check");

  // After the nft probes: where nf_tables is a module, they have made the kernel load it.
  const NfTablesLocation nf_tables = locate_nf_tables(vmlinux_btf);
  c.at("nft_trace").detail += "; " + nf_tables.describe();
  c.add(probe_btf_modules(vmlinux_btf, nf_tables));
  c.add(probe_iptables_legacy_in_use());

  model::KernelReport report;
  report.kernel = kernel_release();
  report.features = c.ordered();
  report.assessment = model::assess_kernel(report.features);
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return report;
}

}  // namespace fwpath::kernel
