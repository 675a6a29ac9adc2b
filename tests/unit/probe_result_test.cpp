#include <gtest/gtest.h>

#include "sources/probe_socket.h"

namespace fwpath::sources {
namespace {

model::IpAddr addr(const char* text) {
  return model::IpAddr::parse(text).value();
}

TEST(ProbeResult, OutcomeNames) {
  EXPECT_EQ(to_string(ProbeOutcome::Connected), "connected");
  EXPECT_EQ(to_string(ProbeOutcome::Refused), "refused");
  EXPECT_EQ(to_string(ProbeOutcome::Reply), "reply");
  EXPECT_EQ(to_string(ProbeOutcome::IcmpError), "icmp-error");
  EXPECT_EQ(to_string(ProbeOutcome::Timeout), "timeout");
  EXPECT_EQ(to_string(ProbeOutcome::NoReply), "no-reply");
  EXPECT_EQ(to_string(ProbeOutcome::LocalError), "local-error");
}

TEST(ProbeResult, OneLineWithoutTiming) {
  ProbeResult r;
  r.elapsed = std::chrono::microseconds(1234);
  r.outcome = ProbeOutcome::Timeout;
  EXPECT_EQ(to_string(r), "timeout");

  r.outcome = ProbeOutcome::IcmpError;
  r.icmp = IcmpReport{false, 3, 13, addr("198.51.100.20"), EHOSTUNREACH, 0};
  EXPECT_EQ(to_string(r), "icmp-error type 3 code 13 from 198.51.100.20");
  r.icmp = IcmpReport{true, 1, 4, addr("2001:db8:2::20"), ECONNREFUSED, 0};
  EXPECT_EQ(to_string(r), "icmp-error icmpv6 type 1 code 4 from 2001:db8:2::20");

  r.outcome = ProbeOutcome::Reply;
  r.reply_bytes = 148;
  r.reply_from = model::Endpoint{addr("198.51.100.20"), 51820};
  EXPECT_EQ(to_string(r), "reply 148 bytes from 198.51.100.20:51820");

  r.outcome = ProbeOutcome::LocalError;
  r.local_errno = ENETUNREACH;
  EXPECT_EQ(to_string(r), "local-error ENETUNREACH (Network is unreachable)");
}

}  // namespace
}  // namespace fwpath::sources
