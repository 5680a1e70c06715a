// Checked arithmetic in state sums, end to end: the real velocity plugin in
// the real daemon with a sum limit. Two payments that each stay under the
// limit but overflow int64 together once summed to a negative number and
// passed (issue 8); now the sum saturates at INT64_MAX, the second payment
// is flagged and its annotation says the sum saturated.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;

// Limit 9e18 minor units per hour: only a sum near INT64_MAX exceeds it.
// Account holds off: with them (the default) big-2's FREEZE would hold
// acct-huge and big-3 would be decided ACCOUNT_HELD without the velocity
// detector, so the third sum (saturated, never wrapping back) would go
// unchecked.
constexpr char kPipeline[] = R"(name: sum-overflow-e2e
shards: 2
account_holds: false
detectors:
  - name: velocity_sum
    plugin: velocity
    route: FREEZE
    params:
      max_events: 1000000
      window: 1h
      bucket: 1m
      sum_limits: "1h:EUR:9000000000000000000"
)";

// Just over INT64_MAX / 2: one is under the limit, two overflow int64.
// An ingest amount cap below this would hide the overflow from this test
// (the unit tests of the state sums still cover it), hence the message in
// the accepted() assertion.
constexpr int64_t kHuge = INT64_MAX / 2 + 1000;

TEST(SumOverflowE2eTest, SecondHugePaymentIsStillFlagged) {
  TestDaemonOptions options;
  options.pipeline_yaml = kPipeline;
  // Above the default ingest amount cap (10^15): this test is about the
  // state sum, which must saturate whatever the cap lets through.
  options.ingest_limits.max_amount_minor = INT64_MAX;
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  std::vector<v1::Event> events = {
      Payment("big-1", "acct-huge", "merch", kHuge, "EUR", kT0),
      Payment("big-2", "acct-huge", "merch", kHuge, "EUR", kT0 + kSecond),
      // A third one: the sum stays saturated, never wraps back.
      Payment("big-3", "acct-huge", "merch", kHuge, "EUR", kT0 + 2 * kSecond),
      Payment("small", "acct-other", "merch", 100, "EUR", kT0 + 3 * kSecond),
  };
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE((*daemon)->Publish({Batch(1, events)}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_EQ(acks[0].accepted(), events.size())
      << "an ingest amount cap refused " << kHuge
      << "; raise it for this test: " << acks[0].ShortDebugString();
  ASSERT_TRUE((*daemon)->WaitProcessed().ok());

  auto freeze = (*daemon)->ReadSink(v1::FREEZE);
  ASSERT_TRUE(freeze.ok()) << freeze.status();
  ASSERT_EQ(EventIds(*freeze), (std::vector<std::string>{"big-2", "big-3"}));
  for (const v1::Decision& d : *freeze) {
    const v1::Annotation* a = FindAnnotation(d, "velocity_sum");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->reason_code(), "VELOCITY_AMOUNT");
    std::map<std::string, std::string> evidence = EvidenceMap(*a);
    EXPECT_EQ(evidence["sum_minor"], std::to_string(INT64_MAX));
    EXPECT_EQ(evidence["sum_saturated"], "amounts");
  }
  // The first one alone is under the limit.
  v1::EvaluateResponse r;
  ASSERT_TRUE((*daemon)->Evaluate(events[0], &r).ok());
  EXPECT_EQ(r.decision().route(), v1::PASS);
}

}  // namespace
}  // namespace riskflow::e2e
