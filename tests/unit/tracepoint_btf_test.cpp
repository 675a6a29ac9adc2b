// The raw tracepoint argument count, read from BTF built here the way the kernel
// declares its btf_trace_* typedefs: the kfree_skb program variant depends on it.
#include "sources/tracepoint_btf.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include "util/c_handle.h"

namespace fwpath::sources {
namespace {

using Btf = CHandle<struct btf, btf__free>;

// typedef void (*btf_trace_<name>)(void *, <args> pointers...);
void add_tracepoint_typedef(struct btf* btf, const char* name, int args) {
  const int vd = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
  ASSERT_GT(vd, 0);
  const int ptr = btf__add_ptr(btf, vd);
  const int proto = btf__add_func_proto(btf, 0);
  ASSERT_GT(proto, 0);
  ASSERT_EQ(btf__add_func_param(btf, "", ptr), 0);  // the tracepoint's private data
  for (int i = 0; i < args; ++i) ASSERT_EQ(btf__add_func_param(btf, "", ptr), 0);
  const int fn_ptr = btf__add_ptr(btf, proto);
  ASSERT_GT(btf__add_typedef(btf, name, fn_ptr), 0);
}

TEST(TracepointBtf, CountsTheArgumentsAfterThePrivateData) {
  for (int args : {2, 3, 4}) {  // kfree_skb on 5.10, 5.17-6.11, 6.12 on
    Btf btf(btf__new_empty());
    ASSERT_TRUE(btf);
    add_tracepoint_typedef(btf.get(), "btf_trace_kfree_skb", args);
    const auto n = raw_tracepoint_arg_count(btf.get(), "kfree_skb");
    ASSERT_TRUE(n.has_value()) << args;
    EXPECT_EQ(*n, static_cast<uint32_t>(args));
    EXPECT_EQ(*n > kKfreeSkbReasonArg, args >= 3) << "a reason argument only from 3 arguments on";
  }
}

TEST(TracepointBtf, UnknownOrOddTypedefsGiveNothing) {
  Btf btf(btf__new_empty());
  ASSERT_TRUE(btf);
  EXPECT_FALSE(raw_tracepoint_arg_count(btf.get(), "kfree_skb").has_value());
  // A typedef of the right name that is not a function pointer.
  const int i = btf__add_int(btf.get(), "int", 4, BTF_INT_SIGNED);
  ASSERT_GT(btf__add_typedef(btf.get(), "btf_trace_kfree_skb", i), 0);
  EXPECT_FALSE(raw_tracepoint_arg_count(btf.get(), "kfree_skb").has_value());
}

TEST(TracepointBtf, TheRunningKernelsKfreeSkbHasAReasonWhenItsTracepointDoes) {
  // Reads /sys/kernel/btf/vmlinux, world-readable: no privileges needed.
  auto n = raw_tracepoint_arg_count_vmlinux("kfree_skb");
  if (!n) GTEST_SKIP() << n.error().message();
  ASSERT_TRUE(n->has_value());
  EXPECT_GE(**n, 2U);
}

}  // namespace
}  // namespace fwpath::sources
