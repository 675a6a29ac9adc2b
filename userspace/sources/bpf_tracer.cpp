#include "sources/bpf_tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <exception>
#include <functional>
#include <vector>

#include "fwpath_events.h"
#include "sources/bpf_event_convert.h"
#include "sources/drop_reasons.h"
#include "sources/kallsyms.h"
#include "sources/libbpf_log.h"
#include "sources/tracepoint_btf.h"
#include "tracer.skel.h"
#include "util/c_handle.h"
#include "util/parallel.h"
#include "util/test_knobs.h"

namespace fwpath::sources {

struct BpfTracer::State {
  // Declaration order is destruction order reversed: the ring buffer goes before the
  // skeleton whose map it reads; the skeleton destroys its links before its programs.
  CHandle<fwpath_tracer, fwpath_tracer__destroy> skel;
  CHandle<ring_buffer, ring_buffer__free> rb;
  DropReasons reasons;
  Kallsyms symbols;
  BpfTracer::Attachment attachment = BpfTracer::Attachment::RawTracepoint;
  bool fast_netns_overflow = false;     // more namespaces than netns_fast holds
  bool kernel_names_locations = false;  // the kfree_skb program calls bpf_snprintf
  std::vector<std::string> degradations;
  // Set only while drain() runs.
  const Sink* sink = nullptr;
  size_t delivered = 0;
  std::exception_ptr sink_error;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  State(State&&) = delete;
  State& operator=(State&&) = delete;
  // Detaching a program from a tracepoint waits for an RCU grace period: the links go
  // at the same time, then the skeleton frees what is left.
  ~State() {
    if (!skel || skel->skeleton == nullptr) return;
    std::vector<std::function<void()>> detach;
    const bpf_object_skeleton* obj = skel->skeleton;
    for (int i = 0; i < obj->prog_cnt; ++i) {
      bpf_link** slot = obj->progs[i].link;
      if (slot == nullptr || *slot == nullptr) continue;
      detach.emplace_back([slot] {
        // Teardown: the kernel detaches the program as the link's fd closes, whatever
        // this returns.
        (void)bpf_link__destroy(*slot);
        *slot = nullptr;
      });
    }
    run_in_parallel(detach);
  }
};

namespace {

// One Error for a failed libbpf call: its errno plus the warnings it printed.
Error libbpf_error(const std::string& what, const std::string& object, int err) {
  const std::string warnings = libbpf_warnings();
  std::string obj = object;
  if (!warnings.empty()) obj += (obj.empty() ? "" : " ") + std::string("(libbpf: ") + warnings + ")";
  return sys_error(what, obj, err);
}

// Runs on drain()'s thread, inside ring_buffer__consume(). A C callback: nothing may be
// thrown through it, so a sink's exception is kept and rethrown by drain().
int on_sample(void* ctx, void* data, size_t size) {
  auto* s = static_cast<BpfTracer::State*>(ctx);
  if (size < sizeof(fwpath_event) || s->sink == nullptr) return 0;
  fwpath_event raw{};
  std::memcpy(&raw, data, sizeof(raw));
  auto ev = to_packet_event(raw, s->reasons);
  if (!ev) return 0;
  ev->received = model::Clock::now();
  try {
    (*s->sink)(std::move(*ev), raw.watch_id);
  } catch (...) {
    s->sink_error = std::current_exception();
    return -ECANCELED;  // stops consumption; libbpf saves the read position first
  }
  ++s->delivered;
  return 0;
}

using Skeleton = CHandle<fwpath_tracer, fwpath_tracer__destroy>;

struct Tracepoint {
  const char* category;
  const char* name;
};

Status attach_classic(bpf_program* prog, bpf_link** slot, Tracepoint tp) {
  clear_libbpf_warnings();
  bpf_link* link = bpf_program__attach_tracepoint(prog, tp.category, tp.name);
  if (link == nullptr) {
    const int err = errno;
    std::string object = std::string(tp.category) + ":" + tp.name;
    if (err == ENOENT) object += " (is tracefs mounted? fwpath::ensure_tracefs() mounts it)";
    return libbpf_error("attach BPF program to tracepoint", object, err);
  }
  *slot = link;  // owned by the skeleton from here: fwpath_tracer__destroy() destroys it
  return {};
}

Status attach_btf(bpf_program* prog, bpf_link** slot, const char* name) {
  clear_libbpf_warnings();
  bpf_link* link = bpf_program__attach_trace(prog);
  if (link == nullptr) return libbpf_error("attach BPF program to tp_btf", name, errno);
  *slot = link;
  return {};
}

Status attach_raw(bpf_program* prog, bpf_link** slot, const char* name) {
  clear_libbpf_warnings();
  bpf_link* link = bpf_program__attach_raw_tracepoint(prog, name);
  if (link == nullptr) return libbpf_error("attach BPF program to raw tracepoint", name, errno);
  *slot = link;
  return {};
}

// The programs of one attachment; every other program of the object is not loaded.
struct Chosen {
  bpf_program* kfree = nullptr;
  bpf_link** kfree_link = nullptr;
  bpf_program* xmit = nullptr;
  bpf_link** xmit_link = nullptr;
  bpf_program* recv = nullptr;
  bpf_link** recv_link = nullptr;
};

// What the kernel offers the kfree_skb program: the reason argument (5.17 on, from BTF)
// and bpf_snprintf() to name the drop's location itself (5.13 on, probed).
struct KfreeVariant {
  bool reason = false;
  bool named = false;
};

Chosen choose(fwpath_tracer* skel, BpfTracer::Attachment how, KfreeVariant kfree) {
  if (how == BpfTracer::Attachment::Tracepoint) {
    return {skel->progs.fwpath_kfree_skb, &skel->links.fwpath_kfree_skb, skel->progs.fwpath_dev_xmit,
            &skel->links.fwpath_dev_xmit, skel->progs.fwpath_dev_recv,   &skel->links.fwpath_dev_recv};
  }
  Chosen c{skel->progs.fwpath_kfree_skb_raw, &skel->links.fwpath_kfree_skb_raw, skel->progs.fwpath_dev_xmit_raw,
           &skel->links.fwpath_dev_xmit_raw, skel->progs.fwpath_dev_recv_raw,   &skel->links.fwpath_dev_recv_raw};
  if (how == BpfTracer::Attachment::TpBtf) {
    c.xmit = skel->progs.fwpath_dev_xmit_btf;
    c.xmit_link = &skel->links.fwpath_dev_xmit_btf;
    c.recv = skel->progs.fwpath_dev_recv_btf;
    c.recv_link = &skel->links.fwpath_dev_recv_btf;
  }
  if (kfree.reason && kfree.named) {
    c.kfree = skel->progs.fwpath_kfree_skb_raw_reason_named;
    c.kfree_link = &skel->links.fwpath_kfree_skb_raw_reason_named;
  } else if (kfree.reason) {
    c.kfree = skel->progs.fwpath_kfree_skb_raw_reason;
    c.kfree_link = &skel->links.fwpath_kfree_skb_raw_reason;
  } else if (kfree.named) {
    c.kfree = skel->progs.fwpath_kfree_skb_raw_named;
    c.kfree_link = &skel->links.fwpath_kfree_skb_raw_named;
  }
  return c;
}

// Opens, loads and attaches one set of programs. Nothing is left loaded on failure.
Result<Skeleton> load_and_attach(BpfTracer::Attachment how, KfreeVariant kfree) {
  clear_libbpf_warnings();
  Skeleton skel(fwpath_tracer__open());
  if (!skel) return libbpf_error("open BPF object", "tracer", errno);
  const Chosen c = choose(skel.get(), how, kfree);
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel->obj) {
    bpf_program__set_autoload(prog, prog == c.kfree || prog == c.xmit || prog == c.recv);
  }
  // Overload tests only (util/test_knobs.h): a ring buffer small enough for a flood to fill.
  if (const auto bytes = test_knob("FWPATH_TEST_RINGBUF_BYTES")) {
    if (const int err = bpf_map__set_max_entries(skel->maps.events, *bytes); err != 0) {
      return libbpf_error("resize ring buffer of", "tracer", -err);
    }
  }
  clear_libbpf_warnings();
  if (const int err = fwpath_tracer__load(skel.get()); err != 0) {
    return libbpf_error("load BPF programs of", "tracer", -err);
  }
  if (how == BpfTracer::Attachment::Tracepoint) {
    FWPATH_TRY(attach_classic(c.kfree, c.kfree_link, {"skb", "kfree_skb"}));
    FWPATH_TRY(attach_classic(c.xmit, c.xmit_link, {"net", "net_dev_start_xmit"}));
    FWPATH_TRY(attach_classic(c.recv, c.recv_link, {"net", "netif_receive_skb"}));
  } else if (how == BpfTracer::Attachment::TpBtf) {
    FWPATH_TRY(attach_raw(c.kfree, c.kfree_link, "kfree_skb"));
    FWPATH_TRY(attach_btf(c.xmit, c.xmit_link, "net_dev_start_xmit"));
    FWPATH_TRY(attach_btf(c.recv, c.recv_link, "netif_receive_skb"));
  } else {
    FWPATH_TRY(attach_raw(c.kfree, c.kfree_link, "kfree_skb"));
    FWPATH_TRY(attach_raw(c.xmit, c.xmit_link, "net_dev_start_xmit"));
    FWPATH_TRY(attach_raw(c.recv, c.recv_link, "netif_receive_skb"));
  }
  return skel;
}

}  // namespace

BpfTracer::BpfTracer(std::unique_ptr<State> state) : s_(std::move(state)) {}
BpfTracer::BpfTracer(BpfTracer&&) noexcept = default;
BpfTracer& BpfTracer::operator=(BpfTracer&&) noexcept = default;
BpfTracer::~BpfTracer() = default;

Result<BpfTracer> BpfTracer::open() {
  quiet_libbpf_output();
  auto s = std::make_unique<State>();

  // Which kfree_skb program the kernel takes: from its BTF, before loading anything.
  // Without BTF the raw variant that reads no reason is safe on every kernel.
  KfreeVariant kfree;
  if (auto args = raw_tracepoint_arg_count_vmlinux("kfree_skb"); args && args->has_value()) {
    kfree.reason = **args > kKfreeSkbReasonArg;
  }
  // Where the kernel can print a symbol itself, the drop's location arrives named and
  // /proc/kallsyms (40-70 ms of kernel time, 3 MiB kept) is never read. A feature probe,
  // not a version: libbpf loads a tiny program that calls the helper.
  kfree.named = libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_snprintf, nullptr) == 1;
  // tp_btf needs the tracing program type, which some kernels refuse (EPERM, EINVAL): then
  // raw tracepoints, which cost each packet two more helper calls, do the same job.
  // Should the kernel take the helper in the probe but refuse it in our program, locations
  // are named from kallsyms after all.
  Attachment attachment = Attachment::TpBtf;
  Result<Skeleton> skel = env_error("no BPF attachment tried", "tracer");
  auto first_that_loads = [&] {
    for (const Attachment how : {Attachment::TpBtf, Attachment::RawTracepoint}) {
      skel = load_and_attach(how, kfree);
      attachment = how;
      if (skel) return;
    }
  };
  first_that_loads();
  if (!skel && kfree.named) {
    kfree.named = false;
    first_that_loads();
  }
  if (!skel) {
    // Classic tracepoints cost more per packet but need no raw tracepoint support.
    kfree.named = false;
    auto classic = load_and_attach(Attachment::Tracepoint, kfree);
    if (!classic) {
      return classic.take_error().context("raw tracepoints refused too (" + skel.error().message() + ")");
    }
    s->degradations.push_back("raw tracepoints could not be attached (" + skel.error().message() +
                              "): classic tracepoints are used, which cost every packet more");
    s->attachment = Attachment::Tracepoint;
    skel = std::move(classic);
  }
  if (s->attachment != Attachment::Tracepoint) s->attachment = attachment;
  s->skel = std::move(skel.value());
  auto* skel_ptr = s->skel.get();

  clear_libbpf_warnings();
  s->rb.reset(ring_buffer__new(bpf_map__fd(skel_ptr->maps.events), on_sample, s.get(), nullptr));
  if (!s->rb) return libbpf_error("create ring buffer reader for", "BPF map events", errno);

  // Names and symbols make events readable; without them the tracer still works.
  if (auto reasons = DropReasons::from_vmlinux(); reasons) {
    s->reasons = std::move(reasons.value());
    if (!s->reasons.tracepoint_has_reason()) {
      s->degradations.emplace_back("this kernel's skb:kfree_skb has no drop reason: drops show a location only");
    }
  } else {
    s->degradations.push_back("no drop reason names: " + reasons.error().message());
  }
  s->kernel_names_locations = kfree.named;
  if (!kfree.named) {
    if (auto symbols = Kallsyms::load(); symbols) {
      s->symbols = std::move(symbols.value());
    } else {
      s->degradations.push_back("drop locations are not symbolized: " + symbols.error().message());
    }
  }
  return BpfTracer(std::move(s));
}

Status BpfTracer::watch(model::L4 proto, uint16_t port, uint32_t id) {
  const fwpath_watch_key key{static_cast<__u8>(proto), 0, port};
  if (bpf_map__update_elem(s_->skel->maps.watch, &key, sizeof(key), &id, sizeof(id), BPF_ANY) != 0) {
    const int err = errno;
    return sys_error("add to BPF watch list", model::to_string(proto) + "/" + std::to_string(port), err);
  }
  // The programs' cheap first test (see watched_port_bits in bpf/tracer.bpf.c).
  s_->skel->bss->watched_port_bits[port >> 6] |= uint64_t{1} << (port & 63);
  return {};
}

Status BpfTracer::watch_marker(uint32_t marker, uint32_t id) {
  if (bpf_map__update_elem(s_->skel->maps.markers, &marker, sizeof(marker), &id, sizeof(id), BPF_ANY) != 0) {
    const int err = errno;
    return sys_error("add to BPF marker list", "sender index " + std::to_string(marker), err);
  }
  return {};
}

Status BpfTracer::watch_netns(uint32_t inode) {
  const uint8_t one = 1;
  if (bpf_map__update_elem(s_->skel->maps.netns_watch, &inode, sizeof(inode), &one, sizeof(one), BPF_ANY) != 0) {
    const int err = errno;
    return sys_error("add to BPF namespace filter", "netns inode " + std::to_string(inode), err);
  }
  // The tp_btf programs' first test; past its size, the map alone decides (count 0).
  auto* bss = s_->skel->bss;
  if (s_->fast_netns_overflow || bss->netns_fast_count >= FWPATH_FAST_NETNS) {
    s_->fast_netns_overflow = true;
    bss->netns_fast_count = 0;
  } else {
    bss->netns_fast[bss->netns_fast_count] = inode;
    bss->netns_fast_count = bss->netns_fast_count + 1;
  }
  // Only now: with the filter on and the map empty, nothing would be reported.
  bss->netns_filter_on = 1;
  return {};
}

void BpfTracer::limit_packet_size(uint32_t bytes) {
  s_->skel->bss->skb_len_max = bytes;
}

BpfTracer::Attachment BpfTracer::attachment() const {
  return s_->attachment;
}

Status BpfTracer::unwatch(model::L4 proto, uint16_t port) {
  const fwpath_watch_key key{static_cast<__u8>(proto), 0, port};
  if (bpf_map__delete_elem(s_->skel->maps.watch, &key, sizeof(key), 0) != 0) {
    const int err = errno;
    return sys_error("remove from BPF watch list", model::to_string(proto) + "/" + std::to_string(port), err);
  }
  return {};
}

int BpfTracer::fd() const {
  return ring_buffer__epoll_fd(s_->rb.get());
}

Result<size_t> BpfTracer::drain(const Sink& sink) {
  s_->sink = &sink;
  s_->delivered = 0;
  const int n = ring_buffer__consume(s_->rb.get());
  s_->sink = nullptr;
  if (s_->sink_error) std::rethrow_exception(std::exchange(s_->sink_error, nullptr));
  if (n < 0) return sys_error("read BPF ring buffer", "events", -n);
  return s_->delivered;
}

Result<uint64_t> BpfTracer::counter(uint32_t index) const {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return sys_error("count possible CPUs", "", -cpus);
  std::vector<uint64_t> values(static_cast<size_t>(cpus));
  if (bpf_map__lookup_elem(s_->skel->maps.counters, &index, sizeof(index), values.data(),
                           values.size() * sizeof(uint64_t), 0) != 0) {
    const int err = errno;
    return sys_error("read BPF counters", "index " + std::to_string(index), err);
  }
  uint64_t sum = 0;
  for (uint64_t v : values) sum += v;
  return sum;
}

Result<uint64_t> BpfTracer::lost_events() const {
  return counter(FWPATH_CNT_RINGBUF_LOST);
}

Result<uint64_t> BpfTracer::matched_packets() const {
  return counter(FWPATH_CNT_MATCHED);
}

void BpfTracer::symbolize(model::PacketEvent& event) const {
  symbolize_drop(event, s_->symbols);
}

bool BpfTracer::kernel_names_locations() const {
  return s_->kernel_names_locations;
}

bool BpfTracer::kernel_has_drop_reasons() const {
  return s_->reasons.tracepoint_has_reason();
}

const std::vector<std::string>& BpfTracer::degradations() const {
  return s_->degradations;
}

Result<std::vector<uint32_t>> BpfTracer::program_ids() const {
  std::vector<uint32_t> ids;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, s_->skel->obj) {
    if (!bpf_program__autoload(prog)) continue;  // the variants this kernel did not get
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) != 0) {
      const int err = errno;
      return sys_error("read BPF program info of", bpf_program__name(prog), err);
    }
    ids.push_back(info.id);
  }
  return ids;
}

}  // namespace fwpath::sources
