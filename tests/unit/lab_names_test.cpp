#include "lab/lab_names.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace fwpath::lab {
namespace {

TEST(LabNames, NameCarriesPidSequenceAndHost) {
  EXPECT_EQ(lab_netns_name(LabRunId{4242, 7}, "provider"), "fwpath-4242-7-provider");
}

TEST(LabNames, RunIdsOfOneProcessDiffer) {
  const auto a = next_lab_run_id();
  const auto b = next_lab_run_id();
  EXPECT_EQ(a.pid, ::getpid());
  EXPECT_EQ(b.pid, ::getpid());
  EXPECT_NE(a.seq, b.seq);
  EXPECT_NE(lab_netns_name(a, "c"), lab_netns_name(b, "c"));
}

TEST(LabNames, ParseRoundTrips) {
  const LabRunId run{31337, 12};
  for (const std::string host : {"c", "gw-pod", "router2", "abcdefghijklmno"}) {
    auto parsed = parse_lab_netns_name(lab_netns_name(run, host));
    ASSERT_TRUE(parsed.has_value()) << host;
    EXPECT_EQ(parsed->run, run);
    EXPECT_EQ(parsed->host, host);
  }
}

// The sweep deletes what parses: anything else under /run/netns must not.
TEST(LabNames, ForeignNamesDoNotParse) {
  for (const std::string name : {
           "fwpath-t1234-lab0-c",             // the test lab's names
           "fwpath-b1234-c",                  // another tool's
           "fwpath-1234-c",                   // no sequence
           "fwpath-1234-0-",                  // no host
           "fwpath--0-c",                     // no pid
           "fwpath-0-0-c",                    // pid 0 is no process
           "fwpath-01234-0-c",                // two spellings of one pid
           "fwpath-1234-0-Provider",          // not a lab host name
           "fwpath-1234-0-a/b",               // path tricks
           "fwpath-12345678901-0-c",          // longer than any pid
           "fwpath-1234-0-abcdefghijklmnop",  // host too long
           "cni-1234-0-c",
           "fwpath_1234_0",  // a tracer table name, not a namespace
       }) {
    EXPECT_FALSE(parse_lab_netns_name(name).has_value()) << name;
  }
}

TEST(LabNames, HostNames) {
  EXPECT_TRUE(valid_lab_host_name("consumer"));
  EXPECT_TRUE(valid_lab_host_name("gw-pod"));
  EXPECT_FALSE(valid_lab_host_name(""));
  EXPECT_FALSE(valid_lab_host_name("1router"));  // must start with a letter
  EXPECT_FALSE(valid_lab_host_name("-x"));
  EXPECT_FALSE(valid_lab_host_name("Consumer"));
  EXPECT_FALSE(valid_lab_host_name("a_b"));
  EXPECT_FALSE(valid_lab_host_name("abcdefghijklmnop"));  // 16
}

}  // namespace
}  // namespace fwpath::lab
