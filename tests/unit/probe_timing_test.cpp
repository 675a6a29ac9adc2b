#include "model/probe_timing.h"

#include <gtest/gtest.h>

#include "output/probe_report.h"

namespace fwpath {
namespace {

struct Timeline {
  model::Clock::time_point start = model::Clock::now();
  model::Clock::time_point at(double ms) const {
    return start + std::chrono::duration_cast<model::Clock::duration>(std::chrono::duration<double, std::milli>(ms));
  }
};

TEST(ProbeTiming, MeasuresStepsFromStartAndTargetsFromTheirSend) {
  Timeline tl;
  std::vector<model::ProbeWindow> windows(2);
  windows[0].sent = tl.at(120);
  windows[0].death_seen = tl.at(120.25);
  windows[0].end = tl.at(145);
  windows[1].sent = tl.at(150);
  windows[1].end = tl.at(151.5);

  auto t = model::probe_timing(tl.start, tl.at(118), windows, tl.at(160));
  EXPECT_NEAR(t.start_to_trace_ready_ms, 118, 1e-6);
  ASSERT_TRUE(t.start_to_first_probe_ms);
  EXPECT_NEAR(*t.start_to_first_probe_ms, 120, 1e-6);
  ASSERT_EQ(t.per_target.size(), 2U);
  ASSERT_TRUE(t.per_target[0].death_seen_ms);
  EXPECT_NEAR(*t.per_target[0].death_seen_ms, 0.25, 1e-6);
  EXPECT_NEAR(t.per_target[0].outcome_ms, 25, 1e-6);
  EXPECT_FALSE(t.per_target[1].death_seen_ms) << "no death seen for a probe that got its answer";
  EXPECT_NEAR(t.per_target[1].sent_ms, 150, 1e-6);
  EXPECT_NEAR(t.per_target[1].outcome_ms, 1.5, 1e-6);
  EXPECT_NEAR(t.total_ms, 160, 1e-6);
}

// A drop the BPF side saw carries the kernel's own time: the report's delay is counted
// from the packet's death, not from when fwpath read about it.
TEST(ProbeTiming, DeathToReportCountsFromTheKernelsTimeOfDeath) {
  Timeline tl;
  std::vector<model::ProbeWindow> windows(2);
  windows[0].sent = tl.at(100);
  windows[0].end = tl.at(101);  // answered: no death
  windows[1].sent = tl.at(110);
  windows[1].died = tl.at(110.1);
  windows[1].death_seen = tl.at(112);
  windows[1].end = tl.at(132);
  auto t = model::probe_timing(tl.start, tl.at(90), windows, tl.at(150));
  ASSERT_TRUE(t.per_target[1].died_ms);
  EXPECT_NEAR(*t.per_target[1].died_ms, 0.1, 1e-6);
  EXPECT_NEAR(*t.per_target[1].death_seen_ms, 2, 1e-6);
  ASSERT_TRUE(t.death_to_report_ms);
  EXPECT_NEAR(*t.death_to_report_ms, 39.9, 1e-6);
  // Seen only by the nft trace (no kernel time): counted from when it was seen.
  windows[1].died.reset();
  t = model::probe_timing(tl.start, tl.at(90), windows, tl.at(150));
  EXPECT_NEAR(*t.death_to_report_ms, 38, 1e-6);
  windows[1].death_seen.reset();
  EXPECT_FALSE(model::probe_timing(tl.start, tl.at(90), windows, tl.at(150)).death_to_report_ms);
}

TEST(ProbeTiming, NoProbeMeansNoFirstProbeTime) {
  Timeline tl;
  auto t = model::probe_timing(tl.start, tl.at(5), {}, tl.at(6));
  EXPECT_FALSE(t.start_to_first_probe_ms);
  EXPECT_TRUE(t.per_target.empty());
}

TEST(ProbeTimingJson, HasTheDocumentedShape) {
  model::ProbeTiming t;
  t.start_to_trace_ready_ms = 118.0004;
  t.start_to_first_probe_ms = 120.5;
  t.per_target.push_back({120.5, 0.25, 25.0, std::nullopt});
  t.per_target.push_back({150.0, std::nullopt, 1.5, std::nullopt});
  t.total_ms = 160.0;
  auto j = output::probe_timing_json(t);
  EXPECT_DOUBLE_EQ(j["start_to_trace_ready_ms"].get<double>(), 118.0) << "rounded to the microsecond";
  EXPECT_DOUBLE_EQ(j["start_to_first_probe_ms"].get<double>(), 120.5);
  ASSERT_EQ(j["per_target"].size(), 2U);
  EXPECT_DOUBLE_EQ(j["per_target"][0]["sent_ms"].get<double>(), 120.5);
  EXPECT_DOUBLE_EQ(j["per_target"][0]["death_seen_ms"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["per_target"][0]["outcome_ms"].get<double>(), 25.0);
  EXPECT_TRUE(j["per_target"][1]["death_seen_ms"].is_null());
  EXPECT_TRUE(j["per_target"][0]["died_ms"].is_null());
  EXPECT_DOUBLE_EQ(j["total_ms"].get<double>(), 160.0);
  EXPECT_TRUE(j["death_to_report_ms"].is_null());
  t.death_to_report_ms = 35.5;
  EXPECT_DOUBLE_EQ(output::probe_timing_json(t)["death_to_report_ms"].get<double>(), 35.5);
}

TEST(ProbeTimingText, OneLineThenOnePerTarget) {
  model::ProbeTiming t;
  t.start_to_trace_ready_ms = 118;
  t.start_to_first_probe_ms = 120.5;
  t.per_target.push_back({120.5, 0.25, 25.0, 0.125});
  t.total_ms = 160;
  t.death_to_report_ms = 39.6;
  EXPECT_EQ(output::probe_timing_text(t),
            "timing: trace ready 118.00 ms, first probe sent 120.50 ms, report 160.00 ms after start (39.60 ms after "
            "the first death)\n"
            "  target 1: sent at 120.50 ms, died 0.12 ms after send (kernel clock), death seen 0.25 ms after send, "
            "outcome 25.00 ms after send\n"
            "  events decoded: 0 nft trace, 0 bpf\n");
}

// Every decoded event counts, kept for a probe or not: the gate keeps none of these.
TEST(EventCounts, CountsEachSourceAndSpansTheTraceEvents) {
  Timeline tl;
  model::EventGate gate({});
  std::vector<model::NftTraceEvent> traces(3);
  traces[0].received = tl.at(130);
  traces[1].received = tl.at(100.5);  // another namespace's socket, read later
  traces[2].received = tl.at(150);
  for (const auto& e : traces) gate.offer(e);
  for (int i = 0; i < 2; ++i) gate.offer(model::PacketEvent{});
  auto kept = gate.take_kept();
  EXPECT_TRUE(kept.traces.empty());
  EXPECT_TRUE(kept.packets.empty());
  auto c = model::event_counts(tl.start, gate.tally());
  EXPECT_EQ(c.trace_events, 3U);
  EXPECT_EQ(c.bpf_events, 2U);
  ASSERT_TRUE(c.first_trace_event_ms);
  ASSERT_TRUE(c.last_trace_event_ms);
  EXPECT_NEAR(*c.first_trace_event_ms, 100.5, 1e-6);
  EXPECT_NEAR(*c.last_trace_event_ms, 150, 1e-6);
}

TEST(EventCounts, NoTraceEventMeansNoSpan) {
  Timeline tl;
  model::EventGate gate({});
  gate.offer(model::PacketEvent{});
  auto c = model::event_counts(tl.start, gate.tally());
  EXPECT_EQ(c.trace_events, 0U);
  EXPECT_EQ(c.bpf_events, 1U);
  EXPECT_FALSE(c.first_trace_event_ms);
  EXPECT_FALSE(c.last_trace_event_ms);
}

TEST(ProbeTimingJson, HasTheEventCounts) {
  model::ProbeTiming t;
  t.events.trace_events = 120000;
  t.events.bpf_events = 7;
  t.events.first_trace_event_ms = 200.0004;
  t.events.last_trace_event_ms = 1400.25;
  auto j = output::probe_timing_json(t);
  EXPECT_EQ(j["events"]["trace_decoded"].get<uint64_t>(), 120000U);
  EXPECT_EQ(j["events"]["bpf_decoded"].get<uint64_t>(), 7U);
  EXPECT_DOUBLE_EQ(j["events"]["first_trace_ms"].get<double>(), 200.0);
  EXPECT_DOUBLE_EQ(j["events"]["last_trace_ms"].get<double>(), 1400.25);
  EXPECT_TRUE(output::probe_timing_json(model::ProbeTiming{})["events"]["first_trace_ms"].is_null());
}

}  // namespace
}  // namespace fwpath
