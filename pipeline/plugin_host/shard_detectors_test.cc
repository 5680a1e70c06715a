// ShardDetectors::Run fault containment through the real host: a real Store
// in a temp dir, a ShardState, and a Pipeline with the test-only faulty
// plugin next to the real velocity plugin.
#include "pipeline/plugin_host/shard_detectors.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/shard_detectors_test_util.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {
namespace {

using ::riskflow::testing::TestPluginSearchPath;
using ::testing::HasSubstr;
using ::testing::Not;

// Velocity annotates from the second event of an account on.
void AddVelocity(riskflow::v1::PipelineConfig* config) {
  AddDetector(config, "vel", "velocity", {{"max_events", "1"}});
}

log::LoggedEvent Event(uint64_t sequence, const std::string& account = "acct-1") {
  log::LoggedEvent e;
  e.sequence = sequence;
  e.event.set_event_id("ev-" + std::to_string(sequence));
  e.event.set_channel_id("card");
  e.event.set_type(riskflow::v1::PAYMENT);
  e.event.set_event_time_ms(1'700'000'000'000 + 1000 * sequence);
  e.event.set_account_id(account);
  e.event.set_amount_minor(1000);
  e.event.set_currency("EUR");
  return e;
}

riskflow::v1::Decision RunOne(TestShard* shard, uint64_t sequence) {
  riskflow::v1::Decision d;
  shard->detectors->Run(Event(sequence), &d);
  return d;
}

std::vector<const riskflow::v1::Annotation*> From(
    const riskflow::v1::Decision& d, const std::string& detector) {
  std::vector<const riskflow::v1::Annotation*> out;
  for (const auto& a : d.annotations()) {
    if (a.detector() == detector) out.push_back(&a);
  }
  return out;
}

const DetectorSlot& Slot(const Pipeline& p, size_t i) {
  return *p.detectors()[i];
}

TEST(ShardDetectorsTest, ErrorGivesOneDegradedAnnotationAndDiscardsPartial) {
  riskflow::v1::PipelineConfig config;
  auto* flaky = AddDetector(&config, "flaky", "faulty",
                            {{"fail_every", "2"}, {"annotate", "true"}});
  flaky->set_on_error(riskflow::v1::FREEZE);
  AddVelocity(&config);
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);

  // Sequence 1 succeeds: the detector's own annotation is kept.
  riskflow::v1::Decision ok = RunOne(shard.get(), 1);
  auto seen = From(ok, "flaky");
  ASSERT_EQ(seen.size(), 1u) << ok.DebugString();
  EXPECT_EQ(seen[0]->reason_code(), "FAULTY_SEEN");
  EXPECT_FALSE(seen[0]->degraded());
  EXPECT_EQ(seen[0]->route_hint(), riskflow::v1::NOTIFY);
  EXPECT_TRUE(From(ok, "vel").empty());

  // Sequence 2 fails after annotating: one degraded annotation instead.
  riskflow::v1::Decision failed = RunOne(shard.get(), 2);
  auto errs = From(failed, "flaky");
  ASSERT_EQ(errs.size(), 1u) << failed.DebugString();
  const riskflow::v1::Annotation& a = *errs[0];
  EXPECT_EQ(a.reason_code(), "DETECTOR_ERROR");
  EXPECT_TRUE(a.degraded());
  EXPECT_EQ(a.route(), riskflow::v1::FREEZE);
  EXPECT_EQ(a.route_hint(), riskflow::v1::FREEZE);
  EXPECT_EQ(a.detector_version(), "0.0.1");
  EXPECT_THAT(a.message(), HasSubstr("faulty failed at sequence 2"));
  for (const auto& any : failed.annotations()) {
    EXPECT_NE(any.reason_code(), "FAULTY_SEEN") << failed.DebugString();
  }
  // The detector after it still ran and annotated.
  auto vel = From(failed, "vel");
  ASSERT_EQ(vel.size(), 1u) << failed.DebugString();
  EXPECT_EQ(vel[0]->reason_code(), "VELOCITY");
  EXPECT_FALSE(vel[0]->degraded());

  const DetectorSlot& slot = Slot(*pipeline, 0);
  EXPECT_EQ(slot.faults.load(), 1u);
  EXPECT_EQ(slot.consecutive_faults.load(), 1u);
  EXPECT_FALSE(slot.quarantined.load());
  EXPECT_EQ(Slot(*pipeline, 1).faults.load(), 0u);

  RunOne(shard.get(), 3);
  EXPECT_EQ(slot.consecutive_faults.load(), 0u);
}

TEST(ShardDetectorsTest, UnspecifiedOnErrorRoutesToManualReview) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "flaky", "faulty", {{"fail_every", "1"}});
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  riskflow::v1::Decision d = RunOne(shard.get(), 7);
  ASSERT_EQ(d.annotations_size(), 1);
  EXPECT_EQ(d.annotations(0).reason_code(), "DETECTOR_ERROR");
  EXPECT_EQ(d.annotations(0).route(), riskflow::v1::MANUAL_REVIEW);
}

TEST(ShardDetectorsTest, ExceptionIsContained) {
  riskflow::v1::PipelineConfig config;
  auto* flaky =
      AddDetector(&config, "flaky", "faulty",
                  {{"fail_every", "2"}, {"throw", "true"}, {"annotate", "true"}});
  flaky->set_on_error(riskflow::v1::NOTIFY);
  AddVelocity(&config);
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  RunOne(shard.get(), 1);
  riskflow::v1::Decision d = RunOne(shard.get(), 2);
  auto errs = From(d, "flaky");
  ASSERT_EQ(errs.size(), 1u) << d.DebugString();
  EXPECT_EQ(errs[0]->reason_code(), "DETECTOR_ERROR");
  EXPECT_TRUE(errs[0]->degraded());
  EXPECT_EQ(errs[0]->route(), riskflow::v1::NOTIFY);
  EXPECT_THAT(errs[0]->message(), HasSubstr("exception"));
  EXPECT_THAT(errs[0]->message(), HasSubstr("faulty failed at sequence 2"));
  EXPECT_EQ(From(d, "vel").size(), 1u) << d.DebugString();
  EXPECT_EQ(Slot(*pipeline, 0).faults.load(), 1u);
}

TEST(ShardDetectorsTest, FailingHostCallIsAFault) {
  riskflow::v1::PipelineConfig config;
  auto* flaky = AddDetector(&config, "flaky", "faulty",
                            {{"fail_every", "1"}, {"bad_handle", "true"},
                             {"annotate", "true"}});
  flaky->set_on_error(riskflow::v1::MANUAL_REVIEW);
  AddVelocity(&config);
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  riskflow::v1::Decision d = RunOne(shard.get(), 1);
  auto errs = From(d, "flaky");
  ASSERT_EQ(errs.size(), 1u) << d.DebugString();
  EXPECT_EQ(errs[0]->reason_code(), "DETECTOR_ERROR");
  EXPECT_TRUE(errs[0]->degraded());
  EXPECT_EQ(errs[0]->route(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_THAT(errs[0]->message(), HasSubstr("window_total"));
  EXPECT_THAT(errs[0]->message(), HasSubstr("unknown state handle 12345"));
  EXPECT_EQ(Slot(*pipeline, 0).faults.load(), 1u);
}

TEST(ShardDetectorsTest, QuarantinedAfterConsecutiveFaults) {
  riskflow::v1::PipelineConfig config;
  auto* flaky = AddDetector(&config, "flaky", "faulty", {{"fail_every", "1"}});
  flaky->set_on_error(riskflow::v1::FREEZE);
  flaky->set_quarantine_after(3);
  AddVelocity(&config);
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  const DetectorSlot& slot = Slot(*pipeline, 0);

  for (uint64_t seq = 1; seq <= 3; ++seq) {
    EXPECT_FALSE(slot.quarantined.load()) << seq;
    riskflow::v1::Decision d = RunOne(shard.get(), seq);
    auto errs = From(d, "flaky");
    ASSERT_EQ(errs.size(), 1u) << d.DebugString();
    EXPECT_EQ(errs[0]->reason_code(), "DETECTOR_ERROR");
  }
  EXPECT_TRUE(slot.quarantined.load());
  EXPECT_EQ(slot.faults.load(), 3u);

  for (uint64_t seq = 4; seq <= 6; ++seq) {
    riskflow::v1::Decision d = RunOne(shard.get(), seq);
    auto q = From(d, "flaky");
    ASSERT_EQ(q.size(), 1u) << d.DebugString();
    EXPECT_EQ(q[0]->reason_code(), "DETECTOR_QUARANTINED");
    EXPECT_TRUE(q[0]->degraded());
    EXPECT_EQ(q[0]->route(), riskflow::v1::FREEZE);
    EXPECT_THAT(q[0]->message(), HasSubstr("quarantined"));
    // Still annotated by the healthy detector.
    EXPECT_EQ(From(d, "vel").size(), 1u) << d.DebugString();
  }
  // Quarantined calls are not made, so they are not counted as faults.
  EXPECT_EQ(slot.faults.load(), 3u);
  EXPECT_FALSE(Slot(*pipeline, 1).quarantined.load());
}

TEST(ShardDetectorsTest, SuccessResetsConsecutiveFaults) {
  riskflow::v1::PipelineConfig config;
  // Fails on every even sequence: never two faults in a row.
  auto* flaky = AddDetector(&config, "flaky", "faulty", {{"fail_every", "2"}});
  flaky->set_quarantine_after(2);
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  const DetectorSlot& slot = Slot(*pipeline, 0);
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    riskflow::v1::Decision d = RunOne(shard.get(), seq);
    if (seq % 2 == 0) {
      ASSERT_EQ(d.annotations_size(), 1) << d.DebugString();
      EXPECT_EQ(d.annotations(0).reason_code(), "DETECTOR_ERROR") << seq;
    } else {
      EXPECT_EQ(d.annotations_size(), 0) << d.DebugString();
    }
  }
  EXPECT_FALSE(slot.quarantined.load());
  EXPECT_EQ(slot.faults.load(), 5u);
  EXPECT_EQ(slot.consecutive_faults.load(), 1u);
}

TEST(ShardDetectorsTest, OverrunsAreCountedButNeverChangeDecisions) {
  riskflow::v1::PipelineConfig config;
  auto* slow = AddDetector(&config, "slow", "faulty",
                           {{"annotate", "true"}, {"sleep_ms", "5"}});
  slow->set_time_budget_us(1000);
  slow->set_quarantine_after(2);
  slow->set_on_error(riskflow::v1::FREEZE);
  AddVelocity(&config);
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  const DetectorSlot& slot = Slot(*pipeline, 0);

  // Overruns depend on the machine, not the event: the output is kept, and
  // even past quarantine_after overruns the detector is not quarantined,
  // so a replay on another machine decides the same.
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    riskflow::v1::Decision d = RunOne(shard.get(), seq);
    auto seen = From(d, "slow");
    ASSERT_EQ(seen.size(), 1u) << d.DebugString();
    EXPECT_EQ(seen[0]->reason_code(), "FAULTY_SEEN");
    EXPECT_FALSE(seen[0]->degraded());
  }
  EXPECT_EQ(slot.overruns.load(), 3u);
  EXPECT_EQ(slot.faults.load(), 0u);
  EXPECT_FALSE(slot.quarantined.load());
}

// Untimed calls (replay): the same annotations as timed ones, and no
// overruns counted even for a detector that always overruns.
TEST(ShardDetectorsTest, UntimedCallsCountNoOverrunsAndDecideTheSame) {
  riskflow::v1::PipelineConfig config;
  auto* slow = AddDetector(&config, "slow", "faulty",
                           {{"annotate", "true"}, {"sleep_ms", "2"}});
  slow->set_time_budget_us(1000);
  AddVelocity(&config);
  auto timed = MustLoad(config);
  auto untimed = MustLoad(config);
  ASSERT_NE(timed, nullptr);
  ASSERT_NE(untimed, nullptr);
  EXPECT_TRUE(timed->time_calls());
  untimed->set_time_calls(false);
  auto a = NewTestShard(timed.get());
  auto b = NewTestShard(untimed.get());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    EXPECT_EQ(RunOne(a.get(), seq).SerializeAsString(),
              RunOne(b.get(), seq).SerializeAsString());
  }
  EXPECT_EQ(Slot(*timed, 0).overruns.load(), 3u);
  EXPECT_EQ(Slot(*untimed, 0).overruns.load(), 0u);
}

TEST(ShardDetectorsTest, SameEventsGiveSameAnnotations) {
  riskflow::v1::PipelineConfig config;
  auto* flaky = AddDetector(&config, "flaky", "faulty",
                            {{"fail_every", "3"}, {"annotate", "true"}});
  flaky->set_on_error(riskflow::v1::NOTIFY);
  AddVelocity(&config);
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);

  auto run = [&]() {
    std::vector<std::string> out;
    auto shard = NewTestShard(pipeline.get());
    EXPECT_NE(shard, nullptr);
    if (shard == nullptr) return out;
    for (uint64_t seq = 1; seq <= 20; ++seq) {
      riskflow::v1::Decision d;
      shard->detectors->Run(Event(seq, seq % 3 == 0 ? "acct-a" : "acct-b"),
                            &d);
      out.push_back(d.DebugString());
    }
    return out;
  };
  std::vector<std::string> first = run();
  std::vector<std::string> second = run();
  ASSERT_EQ(first.size(), 20u);
  EXPECT_EQ(first, second);

  // The runs did exercise every path: kept, degraded and velocity output,
  // and the seeded random evidence differs between events.
  std::string all;
  for (const std::string& s : first) all += s;
  EXPECT_THAT(all, HasSubstr("FAULTY_SEEN"));
  EXPECT_THAT(all, HasSubstr("DETECTOR_ERROR"));
  EXPECT_THAT(all, HasSubstr("VELOCITY"));
  EXPECT_THAT(all, Not(HasSubstr("DETECTOR_QUARANTINED")));
  EXPECT_NE(first[0], first[1]);
}

}  // namespace
}  // namespace riskflow::plugin_host
