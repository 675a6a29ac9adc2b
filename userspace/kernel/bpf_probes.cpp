#include "kernel/bpf_probes.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstring>
#include <functional>

#include "feature_probes.skel.h"
#include "kernel/libbpf_messages.h"
#include "kernel/netlink_io.h"
#include "kernel/probe_support.h"
#include "util/c_handle.h"
#include "util/netns.h"

namespace fwpath::kernel {

namespace {

using BpfObject = CHandle<bpf_object, bpf_object__close>;
using ProbeGlobals = fwpath_feature_probes::fwpath_feature_probes__bss;  // the programs' .bss, as bpftool laid it out
using BpfLink = CHandle<bpf_link, bpf_link__destroy>;
using RingBuffer = CHandle<ring_buffer, ring_buffer__free>;

// The port the tc probe's datagram goes to, inside the private namespace only.
constexpr uint16_t kTcProbePort = 33001;
// Nothing listens there: the datagram is freed through kfree_skb.
constexpr uint16_t kClosedPort = 33003;
constexpr int kLoopbackIfindex = 1;

// Attaches the loaded program; returns what it was attached to, for the detail.
using Attacher = std::function<Result<std::string>(bpf_object* obj, bpf_program* prog)>;

// The ELF object the skeleton embeds, opened afresh. The skeleton's own open() is not
// used: clang-tidy's analyzer reports a false leak in bpftool's generated code for it
// (it assumes libbpf's destroy, declared in a system header, frees nothing), and the
// probes need only the object, its programs and its .bss.
Result<BpfObject> open_feature_probes() {
  size_t size = 0;
  const void* elf = fwpath_feature_probes__elf_bytes(&size);
  bpf_object_open_opts opts{};
  opts.sz = sizeof(opts);
  opts.object_name = "fwpath_feature_probes";
  BpfObject obj(bpf_object__open_mem(elf, size, &opts));
  if (!obj) return sys_error("open the embedded BPF object", "feature_probes");
  return obj;
}

// Opens a fresh object with only `prog_name` set to load, so that one program's missing
// kernel support cannot fail another's probe; loads it and runs `attach`.
model::FeatureResult try_program(const std::string& feature, const char* prog_name, const Attacher& attach) {
  LibbpfMessages log;
  auto obj = open_feature_probes();
  if (!obj) return unavailable(feature, obj.error().message() + log.suffix());
  bpf_program* target = nullptr;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, obj->get()) {
    const bool is_target = std::strcmp(bpf_program__name(prog), prog_name) == 0;
    if (bpf_program__set_autoload(prog, is_target) != 0) {
      return unavailable(feature, std::string("select program ") + bpf_program__name(prog) + ": " + errno_text(errno));
    }
    if (is_target) target = prog;
  }
  if (target == nullptr)
    return unavailable(feature, std::string("program ") + prog_name + " missing from the BPF object");
  if (const int rc = bpf_object__load(obj->get()); rc != 0) {
    return unavailable(feature, "load refused: " + errno_text(-rc) + log.suffix());
  }
  auto attached = attach(obj->get(), target);
  if (!attached) {
    const Error& e = attached.error();
    std::string why = e.what;
    if (!e.object.empty()) why += " " + e.object;
    if (e.err != 0) why += ": " + errno_text(e.err);
    return unavailable(feature, "loaded, but " + why + log.suffix());
  }
  return available(feature, "loaded and " + attached.value());
}

// Attaches by the program's section name (tracepoint/..., fentry/..., kprobe/...).
Attacher attach_by_section(std::string target) {
  return [target = std::move(target)](bpf_object*, bpf_program* prog) -> Result<std::string> {
    BpfLink link(bpf_program__attach(prog));
    if (!link) return sys_error("attach to", target + " refused");
    return "attached to " + target;
  };
}

// How often the loaded program ran: the `hits` counter in its .bss.
Result<uint64_t> program_runs(const bpf_object* obj) {
  const bpf_map* bss = bpf_object__find_map_by_name(obj, ".bss");
  if (bss == nullptr) return env_error("no .bss map in the feature probes object");
  ProbeGlobals globals{};
  if (bpf_map__value_size(bss) != sizeof(globals))
    return env_error(".bss of the feature probes has an unexpected size");
  const uint32_t key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(bss), &key, &globals) != 0) return sys_error("read the probe's counter", "");
  return globals.hits;
}

// Attaches to a kfree_skb hook, then has the kernel free one datagram in the private
// namespace: attach alone does not prove the program is ever called.
Attacher attach_and_see_drop(std::string target, int netns_fd) {
  return [target = std::move(target), netns_fd](bpf_object* obj, bpf_program* prog) -> Result<std::string> {
    const BpfLink link(bpf_program__attach(prog));
    if (!link) return sys_error("attach to", target + " refused");
    if (netns_fd < 0) return "attached to " + target + " (not run: no private namespace to drop a datagram in)";
    {
      auto in_ns = NetnsEnter::enter(netns_fd, "kernel-check private namespace");
      if (!in_ns) return in_ns.take_error();
      FWPATH_TRY(drop_udp_at_closed_port(kClosedPort));
    }
    auto runs = program_runs(obj);
    if (!runs) return runs.take_error();
    if (*runs == 0) {
      return env_error("attached to " + target + ", yet the program did not run for a datagram the kernel dropped");
    }
    return "attached to " + target + "; it ran for a datagram dropped in a private namespace";
  };
}

// Removes the clsact qdisc (and with it every filter on it) when the probe ends, so the
// program is released at once rather than when the namespace is torn down later.
class ClsactGuard {
 public:
  explicit ClsactGuard(int ifindex) : ifindex_(ifindex) {}
  ClsactGuard(const ClsactGuard&) = delete;
  ClsactGuard& operator=(const ClsactGuard&) = delete;
  ClsactGuard(ClsactGuard&&) = delete;
  ClsactGuard& operator=(ClsactGuard&&) = delete;
  ~ClsactGuard() {
    bpf_tc_hook hook{};
    hook.sz = sizeof(hook);
    hook.ifindex = ifindex_;
    hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
    bpf_tc_hook_destroy(&hook);
  }

 private:
  int ifindex_;
};

Result<std::string> attach_tc_and_see_packet(int netns_fd, const bpf_object* obj, bpf_program* prog) {
  // Declared first so it is destroyed last: the qdisc is removed from inside the namespace.
  auto in_ns = NetnsEnter::enter(netns_fd, "kernel-check private namespace");
  if (!in_ns) return in_ns.take_error();
  auto receiver = bind_udp_loopback(kTcProbePort);
  if (!receiver) return receiver.take_error();

  bpf_tc_hook hook{};
  hook.sz = sizeof(hook);
  hook.ifindex = kLoopbackIfindex;
  hook.attach_point = BPF_TC_INGRESS;
  if (const int rc = bpf_tc_hook_create(&hook); rc != 0) return sys_error("create clsact qdisc on", "lo", -rc);
  const ClsactGuard guard(kLoopbackIfindex);
  bpf_tc_opts opts{};
  opts.sz = sizeof(opts);
  opts.prog_fd = bpf_program__fd(prog);
  if (const int rc = bpf_tc_attach(&hook, &opts); rc != 0) {
    return sys_error("attach tc program to", "lo ingress", -rc);
  }
  FWPATH_TRY(send_udp_loopback(kTcProbePort));
  // The datagram reaching its socket means it has passed lo's ingress hook.
  FWPATH_TRY(wait_readable(receiver->get(), kNetlinkTimeout, "wait for the datagram sent over lo"));
  auto runs = program_runs(obj);
  if (!runs) return runs.take_error();
  if (*runs == 0) return env_error("attached to lo ingress, yet the program never ran for a datagram that crossed it");
  return std::string("attached to lo ingress (clsact) in a private namespace; it ran for the test datagram");
}

}  // namespace

model::FeatureResult probe_tracepoint(const Status& tracefs_ready, int netns_fd) {
  auto result = try_program("tracepoint", "probe_tracepoint", attach_and_see_drop("skb:kfree_skb", netns_fd));
  if (!result.available && !tracefs_ready) result.detail += " (tracefs: " + tracefs_ready.error().message() + ")";
  return result;
}

model::FeatureResult probe_raw_tracepoint(int netns_fd) {
  return try_program("raw_tracepoint", "probe_raw_tracepoint", attach_and_see_drop("raw_tp kfree_skb", netns_fd));
}

model::FeatureResult probe_tp_btf(int netns_fd) {
  return try_program("tp_btf", "probe_tp_btf", attach_and_see_drop("tp_btf kfree_skb", netns_fd));
}

model::FeatureResult probe_fentry_vmlinux() {
  return try_program("fentry_vmlinux", "probe_fentry_vmlinux", attach_by_section("fentry nf_hook_slow"));
}

model::FeatureResult probe_fentry_nf_tables() {
  return try_program("fentry_nf_tables", "probe_fentry_nf_tables", attach_by_section("fentry nft_do_chain"));
}

model::FeatureResult probe_kprobe() {
  auto result = try_program("kprobe", "probe_kprobe", attach_by_section("kprobe nf_hook_slow"));
  // libbpf's two ways in; when both are missing the kernel was built without kprobes, which
  // says more than the ENOENT of the last attempt.
  const bool pmu = ::access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0;
  const bool events = ::access("/sys/kernel/tracing/kprobe_events", F_OK) == 0;
  if (!result.available && !pmu && !events) {
    result.detail += " (no kprobe PMU and no tracefs kprobe_events: the kernel has no kprobes)";
  }
  return result;
}

model::FeatureResult probe_tc(int netns_fd) {
  return try_program("tc", "probe_tc", [netns_fd](bpf_object* obj, bpf_program* prog) {
    return attach_tc_and_see_packet(netns_fd, obj, prog);
  });
}

model::FeatureResult probe_ringbuf() {
  LibbpfMessages log;
  const auto size = static_cast<uint32_t>(4 * ::sysconf(_SC_PAGESIZE));  // a power-of-two multiple of the page
  const UniqueFd map(bpf_map_create(BPF_MAP_TYPE_RINGBUF, "fwpath_kc_rb", 0, 0, size, nullptr));
  if (!map.valid()) {
    return unavailable("ringbuf", "create BPF_MAP_TYPE_RINGBUF refused: " + errno_text(errno) + log.suffix());
  }
  const RingBuffer rb(ring_buffer__new(
      map.get(), [](void*, void*, size_t) { return 0; }, nullptr, nullptr));
  if (!rb) return unavailable("ringbuf", "map created but not mappable: " + errno_text(errno) + log.suffix());
  return available("ringbuf", "ring buffer map of " + std::to_string(size / 1024) + " KiB created and mapped");
}

}  // namespace fwpath::kernel
