#pragma once
// Test-only sizes from the environment, for the overload tests
// (tests/integration/overload_test.cpp), compiled in always and harmless when unset:
//   FWPATH_TEST_NL_RCVBUF=BYTES      the nf_tables trace socket's receive buffer (the kernel
//                                    rounds it up to its minimum), instead of 16 MiB
//   FWPATH_TEST_RINGBUF_BYTES=BYTES  the BPF ring buffer (a power of two, >= 4096)
// A flood then overruns them, and the tests check that fwpath counts what it lost and
// marks the probes incomplete. Never set them in production: they only lose events.
#include <cstdint>
#include <optional>

namespace fwpath {

// The variable's value as a positive integer; std::nullopt when unset or not one.
std::optional<uint32_t> test_knob(const char* name);

}  // namespace fwpath
