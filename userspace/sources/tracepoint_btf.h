#pragma once
// What the running kernel's BTF says about a raw tracepoint's arguments. The kernel
// refuses to attach a raw tracepoint program that reads an argument the tracepoint does
// not have, and tracepoints gain arguments between kernels (kfree_skb: a drop reason in
// 5.17, an rx_sk in 6.12): the program variant is chosen from this, never from a version.
#include <cstdint>
#include <optional>
#include <string>

#include "util/error.h"

struct btf;

namespace fwpath::sources {

// How many arguments the tracepoint `name` passes to a raw tracepoint program, read from
// the typedef the kernel declares for it, `btf_trace_<name>`: a pointer to a function
// whose first parameter is the tracepoint's private data, followed by the arguments.
// std::nullopt when the BTF has no such typedef or it has another shape.
std::optional<uint32_t> raw_tracepoint_arg_count(const struct btf* btf, const std::string& name);

// The same from /sys/kernel/btf/vmlinux.
Result<std::optional<uint32_t>> raw_tracepoint_arg_count_vmlinux(const std::string& name);

// kfree_skb's arguments: skb, location, then the reason from 5.17 on.
constexpr uint32_t kKfreeSkbReasonArg = 2;

}  // namespace fwpath::sources
