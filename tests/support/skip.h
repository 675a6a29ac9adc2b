#pragma once
// Integration tests declare what they need and skip with the reason when it is missing;
// CTest reports them as skipped, never as passed.
#include <gtest/gtest.h>

#include <string>

namespace fwpath::testlab {

// Effective uid 0 with CAP_NET_ADMIN and CAP_SYS_ADMIN: what creating namespaces, veths
// and nft tables, and loading BPF programs, takes.
bool have_root();

// Whether an executable is found on PATH (e.g. "nft", "ip").
bool have_tool(const std::string& name);

}  // namespace fwpath::testlab

// Skips the current test with `reason` unless `cond` holds.
#define FWPATH_SKIP_UNLESS(cond, reason)             \
  do {                                               \
    if (!(cond)) GTEST_SKIP() << "needs " << reason; \
  } while (0)

// Skips unless root and the `ip` and `nft` tools are there.
#define FWPATH_REQUIRE_LAB()                                                                                  \
  do {                                                                                                        \
    FWPATH_SKIP_UNLESS(::fwpath::testlab::have_root(), "root (CAP_NET_ADMIN, CAP_SYS_ADMIN) for namespaces"); \
    FWPATH_SKIP_UNLESS(::fwpath::testlab::have_tool("ip"), "the ip tool (iproute2)");                         \
    FWPATH_SKIP_UNLESS(::fwpath::testlab::have_tool("nft"), "the nft tool (nftables)");                       \
  } while (0)
