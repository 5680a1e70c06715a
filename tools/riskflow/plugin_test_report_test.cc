// The formatting behind `riskflow plugin test`.
#include "tools/riskflow/plugin_test_report.h"

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;

TEST(JsonStringTest, EscapesQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(JsonString("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  EXPECT_EQ(JsonString("ünï"), "\"ünï\"");
}

EventReport SampleEvent() {
  EventReport r;
  r.sequence = 2;
  r.event_id = "e2";
  r.type = "PAYOUT";
  r.event_time_ms = 1000;
  sdk::FakeHostCall call;
  call.call = "last_get";
  call.state = "dup";
  call.keyed = true;
  call.entity = "a|b";
  call.status = RF_OK;
  call.result = "\"e1\" @ 500";
  r.calls.push_back(call);
  call = sdk::FakeHostCall();
  call.call = "annotate";
  call.args = "DUP score=1 route=FREEZE";
  call.result = "ok";
  r.calls.push_back(call);
  sdk::FakeAnnotation a;
  a.detector = "dup";
  a.score = 1;
  a.reason_code = "DUP";
  a.message = "same as e1";
  a.evidence = {{"first", "e1"}};
  a.route_hint = RF_ROUTE_FREEZE;
  r.annotations.push_back(a);
  return r;
}

TEST(FormatEventTest, TextListsAnnotationsThenCallsButNotAnnotate) {
  EXPECT_EQ(FormatEventText(SampleEvent()),
            "e2 PAYOUT 1970-01-01T00:00:01.000Z (1000)\n"
            "  annotation DUP score=1 route=FREEZE\n"
            "    message  same as e1\n"
            "    evidence first=e1\n"
            "  call last_get dup[a|b] -> \"e1\" @ 500\n");
}

TEST(FormatEventTest, JsonKeepsEveryCall) {
  std::string json = FormatEventJson(SampleEvent());
  EXPECT_THAT(json, HasSubstr("{\"call\":\"last_get\",\"state\":\"dup\","
                              "\"entity\":\"a|b\",\"status\":0,\"result\":"
                              "\"\\\"e1\\\" @ 500\""));
  EXPECT_THAT(json, HasSubstr("{\"call\":\"annotate\""));
  EXPECT_THAT(json, HasSubstr("\"evidence\":[{\"key\":\"first\",\"value\":"
                              "\"e1\"}]"));
}

TEST(RunSummaryTest, FailedEventsKeepNoAnnotations) {
  RunSummary summary;
  EventReport ok = SampleEvent();
  summary.Add(ok);
  EventReport failed = SampleEvent();
  failed.error = "boom";
  summary.Add(failed);
  summary.Add(EventReport());
  EXPECT_EQ(FormatSummaryText(summary),
            "summary: 3 events, 1 annotated, 1 failed\n  DUP  1\n");
  EXPECT_EQ(FormatSummaryJson(summary),
            "{\"summary\":{\"events\":3,\"annotated\":1,\"failed\":1,"
            "\"annotations\":{\"DUP\":1}}}\n");
  EXPECT_THAT(FormatEventText(failed),
              HasSubstr("  annotation (discarded) DUP"));
}

TEST(FormatSchemaTextTest, ShowsTypesDefaultsAndRanges) {
  std::vector<rf_param_spec> specs = {
      sdk::WithRange(sdk::Param("window", RF_PARAM_DURATION, "1m", "w"), 1000,
                     86400000),
      sdk::RequiredParam("name", RF_PARAM_STRING, "n"),
      sdk::Param("note", RF_PARAM_STRING, "", "empty default"),
  };
  rf_plugin_descriptor d;
  std::memset(&d, 0, sizeof(d));
  d.name = "p";
  d.params = specs.data();
  d.param_count = specs.size();
  EXPECT_EQ(FormatSchemaText(d),
            "p parameters:\n"
            "  PARAM   TYPE      DEFAULT     RANGE   DOC\n"
            "  window  DURATION  1m          1s..1d  w\n"
            "  name    STRING    (required)  -       n\n"
            "  note    STRING    \"\"          -       empty default\n");
  d.param_count = 0;
  EXPECT_EQ(FormatSchemaText(d), "p takes no parameters\n");
}

}  // namespace
}  // namespace riskflow::cli
