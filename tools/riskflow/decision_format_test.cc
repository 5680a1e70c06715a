#include "tools/riskflow/decision_format.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;

riskflow::v1::Decision FreezeDecision() {
  riskflow::v1::Decision d;
  d.set_sink_sequence(12);
  d.set_channel_id("card-acq-1");
  d.set_event_id("e-000123");
  d.set_account_id("acct-0042");
  d.set_route(riskflow::v1::FREEZE);
  d.add_routes(riskflow::v1::FREEZE);
  d.add_routes(riskflow::v1::NOTIFY);
  d.set_event_time_ms(1767225600000);
  auto* extreme = d.add_annotations();
  extreme->set_detector("velocity_extreme");
  extreme->set_reason_code("VELOCITY");
  extreme->set_route(riskflow::v1::FREEZE);
  auto* burst = d.add_annotations();
  burst->set_detector("velocity_burst");
  burst->set_reason_code("VELOCITY");
  burst->set_route(riskflow::v1::NOTIFY);
  return d;
}

TEST(ParseSinkTest, AcceptsSinkNamesCaseInsensitively) {
  EXPECT_EQ(*ParseSink("FREEZE"), riskflow::v1::FREEZE);
  EXPECT_EQ(*ParseSink("notify"), riskflow::v1::NOTIFY);
  EXPECT_EQ(*ParseSink("Manual_Review"), riskflow::v1::MANUAL_REVIEW);
  EXPECT_EQ(*ParseSink("manual-review"), riskflow::v1::MANUAL_REVIEW);
}

TEST(ParseSinkTest, RejectsOthersListingValidSinks) {
  for (const char* bad : {"PASS", "freezer", "", "ROUTE_UNSPECIFIED", "4"}) {
    auto sink = ParseSink(bad);
    ASSERT_FALSE(sink.ok()) << bad;
    EXPECT_EQ(sink.status().message(),
              absl::StrCat("unknown sink \"", bad,
                           "\" (valid sinks: FREEZE, NOTIFY, MANUAL_REVIEW)"));
  }
}

TEST(RouteNameTest, NamesAndUnknownNumbers) {
  EXPECT_EQ(RouteName(riskflow::v1::MANUAL_REVIEW), "MANUAL_REVIEW");
  EXPECT_EQ(RouteName(static_cast<riskflow::v1::Route>(42)), "ROUTE_42");
}

TEST(FormatDecisionLineTest, OneLineWithAnnotations) {
  EXPECT_EQ(FormatDecisionLine(FreezeDecision()),
            "#12 FREEZE card-acq-1/e-000123 account=acct-0042 "
            "velocity_extreme:VELOCITY velocity_burst:VELOCITY");
}

TEST(FormatDecisionLineTest, MarksDegradedLateAndMissingFields) {
  riskflow::v1::Decision d;
  d.set_sink_sequence(3);
  d.set_channel_id("wallet-app");
  d.set_event_id("e1");
  d.set_route(riskflow::v1::MANUAL_REVIEW);
  d.set_late(true);
  auto* a = d.add_annotations();
  a->set_detector("scripted_rule");
  a->set_degraded(true);
  EXPECT_EQ(FormatDecisionLine(d),
            "#3 MANUAL_REVIEW wallet-app/e1 account=- "
            "scripted_rule(degraded) late");
}

TEST(FormatEventTimeTest, UtcWithMillis) {
  EXPECT_EQ(FormatEventTime(1767225600000), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatEventTime(1767225661234), "2026-01-01T00:01:01.234Z");
}

TEST(FormatDecisionTextTest, ShowsRoutesAnnotationsAndDuplicate) {
  riskflow::v1::Decision d = FreezeDecision();
  auto* evidence = d.mutable_annotations(0)->add_evidence();
  evidence->set_key("count_1m");
  evidence->set_value("21");
  d.mutable_annotations(0)->set_message("21 transfers in 1m");
  std::string text = FormatDecisionText(d, /*duplicate=*/true);
  EXPECT_THAT(text, HasSubstr("card-acq-1/e-000123  (duplicate"));
  EXPECT_THAT(text, HasSubstr("route      FREEZE  (sinks: FREEZE, NOTIFY)"));
  EXPECT_THAT(text, HasSubstr("2026-01-01T00:00:00.000Z"));
  EXPECT_THAT(text, HasSubstr("velocity_extreme  VELOCITY"));
  EXPECT_THAT(text, HasSubstr("    21 transfers in 1m\n"));
  EXPECT_THAT(text, HasSubstr("    count_1m = 21\n"));
  EXPECT_THAT(FormatDecisionText(riskflow::v1::Decision(), false),
              HasSubstr("annotations: none"));
}

}  // namespace
}  // namespace riskflow::cli
