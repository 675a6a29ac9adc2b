#include "output/probe_report.h"

#include <gtest/gtest.h>

namespace fwpath {
namespace {

model::Report sample() {
  model::Report r;
  model::ProbeReport t;
  t.spec.label = "gateway";
  t.spec.proto = model::L4::Udp;
  t.spec.target_text = "198.51.100.20:30742";
  t.outcome = model::Outcome::Dropped;
  t.summary = "dropped at forward by the policy of inet filter forward (no rule matched)";
  model::Hop h;
  h.netns = "provider";
  h.hook = model::Hook::Forward;
  h.family = "inet";
  h.table = "filter";
  h.chain = "forward";
  h.verdict = "policy drop";
  t.hops.push_back(h);
  h.direction = model::Direction::Reply;
  h.verdict = "accept";
  t.hops.push_back(h);
  t.rewrites.push_back({model::Direction::Request, "provider", "dport", "30742", "51840", model::Hook::Prerouting,
                        "dnat to 198.18.1.5:51840"});
  t.drop = model::DropInfo{};
  t.drop->reason = "NETFILTER_DROP";
  t.drop->location = "nf_hook_slow+0x9e";
  t.incomplete = true;
  t.incomplete_because = {"2 trace socket overrun(s) (ENOBUFS: an unknown number of nft trace events lost)"};
  r.targets.push_back(t);
  r.lost.trace_overruns = 2;
  r.lost_events = 2;
  r.ignored_foreign_events = 1234;
  return r;
}

TEST(ProbeReportJson, HasTheDocumentedShape) {
  auto j = output::probe_report_json(sample());
  ASSERT_EQ(j["targets"].size(), 1U);
  const auto& t = j["targets"][0];
  EXPECT_EQ(t["target"], "198.51.100.20:30742");
  EXPECT_EQ(t["protocol"], "udp");
  EXPECT_EQ(t["outcome"], "dropped");
  ASSERT_EQ(t["hops"].size(), 1U) << "request hops only; reply hops sit under reply";
  for (const char* k : {"netns", "hook", "family", "table", "chain", "handle", "rule", "verdict"}) {
    EXPECT_TRUE(t["hops"][0].contains(k)) << k;
  }
  EXPECT_EQ(t["hops"][0]["verdict"], "policy drop");
  EXPECT_EQ(t["reply"]["hops"].size(), 1U);
  EXPECT_EQ(t["rewrites"][0]["field"], "dport");
  EXPECT_EQ(t["rewrites"][0]["hook"], "prerouting");
  EXPECT_EQ(t["drop"]["reason"], "NETFILTER_DROP");
  EXPECT_EQ(t["drop"]["location"], "nf_hook_slow+0x9e");
  EXPECT_EQ(j["lost_events"], 2);
  EXPECT_EQ(j["lost"]["trace_overruns"], 2);
  EXPECT_EQ(j["lost"]["bpf_events"], 0);
  EXPECT_EQ(j["lost"]["undecodable"], 0);
  EXPECT_EQ(j["ignored_foreign_events"], 1234);
  EXPECT_EQ(t["incomplete"], true);
  ASSERT_EQ(t["incomplete_because"].size(), 1U);
}

TEST(ProbeReportText, OneLinePerTargetFirstThenHopsAndLostEvents) {
  auto text = output::probe_report_text(sample());
  EXPECT_EQ(text.rfind("FAIL gateway udp 198.51.100.20:30742: dropped at forward", 0), 0U) << text;
  EXPECT_NE(text.find("  request:\n    [provider]\n      forward  inet filter forward  policy drop\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  reply:\n    [provider]\n      forward  inet filter forward  accept\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("rewrite dport 30742 -> 51840 at prerouting by `dnat to 198.18.1.5:51840`"), std::string::npos)
      << text;
  // Overruns are reports of losses, not a number of events: the text says so.
  EXPECT_NE(text.find("lost: 2 trace socket overrun(s) (each lost an unknown number of nft events)"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace fwpath
