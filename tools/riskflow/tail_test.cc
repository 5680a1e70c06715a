#include "tools/riskflow/tail.h"

#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/fake_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;

riskflow::v1::Decision Decision(const std::string& event_id) {
  riskflow::v1::Decision d;
  d.set_channel_id("bank-rails");
  d.set_event_id(event_id);
  d.set_account_id("acct-0007");
  d.set_route(riskflow::v1::FREEZE);
  auto* a = d.add_annotations();
  a->set_detector("velocity_extreme");
  a->set_reason_code("VELOCITY");
  return d;
}

TEST(ParseTailArgsTest, DefaultsToBacklogAndText) {
  auto options = ParseTailArgs({"freeze"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->sink, riskflow::v1::FREEZE);
  auto request = MakeSubscribeRequest(*options);
  EXPECT_TRUE(request.stop_at_end());
  EXPECT_EQ(request.after_sequence(), 0u);
  EXPECT_EQ(request.max_decisions(), 0u);
  EXPECT_EQ(options->format, OutputFormat::kText);
}

TEST(ParseTailArgsTest, FollowAndCursorFlags) {
  auto options =
      ParseTailArgs({"MANUAL_REVIEW", "--follow", "--max=5", "--consumer",
                     "cases", "--from_committed", "--commit", "--format=json"});
  ASSERT_TRUE(options.ok()) << options.status();
  auto request = MakeSubscribeRequest(*options);
  EXPECT_EQ(request.sink(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_FALSE(request.stop_at_end());
  EXPECT_EQ(request.max_decisions(), 5u);
  EXPECT_EQ(request.consumer(), "cases");
  EXPECT_TRUE(request.from_committed());
  EXPECT_EQ(options->format, OutputFormat::kJson);
}

TEST(ParseTailArgsTest, Errors) {
  auto message = [](std::vector<std::string> args) {
    return std::string(ParseTailArgs(args).status().message());
  };
  EXPECT_EQ(message({"PASS"}),
            "unknown sink \"PASS\" (valid sinks: FREEZE, NOTIFY, "
            "MANUAL_REVIEW)");
  EXPECT_THAT(message({}), HasSubstr("needs exactly one SINK"));
  EXPECT_THAT(message({"notify", "--commit"}),
              HasSubstr("--commit needs --consumer NAME"));
  EXPECT_THAT(message({"notify", "--from_committed"}),
              HasSubstr("--from_committed needs --consumer NAME"));
  EXPECT_THAT(message({"notify", "--consumer=x", "--commit", "--follow"}),
              HasSubstr("--commit with --follow needs --max N"));
  EXPECT_THAT(
      message({"notify", "--consumer=x", "--from_committed", "--after=3"}),
      HasSubstr("either --after or --from_committed"));
  EXPECT_THAT(message({"notify", "--format=xml"}),
              HasSubstr("unknown --format \"xml\""));
  EXPECT_THAT(message({"notify", "--batch_size=3"}),
              HasSubstr("unknown flag --batch_size for riskflow tail"));
}

TEST(RunTailTest, PrintsBacklogAfterCursor) {
  testing::FakeDaemon daemon;
  for (int i = 1; i <= 3; ++i) {
    daemon.sinks.Add(riskflow::v1::FREEZE, Decision(absl::StrCat("e", i)));
  }
  auto options = ParseTailArgs({"freeze", "--after=1"});
  ASSERT_TRUE(options.ok());
  auto stub = riskflow::v1::Sinks::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunTail(*options, stub.get(), out, err), kExitOk) << err.str();
  EXPECT_EQ(out.str(),
            "#2 FREEZE bank-rails/e2 account=acct-0007 "
            "velocity_extreme:VELOCITY\n"
            "#3 FREEZE bank-rails/e3 account=acct-0007 "
            "velocity_extreme:VELOCITY\n");
  EXPECT_TRUE(daemon.sinks.last_request().stop_at_end());
}

TEST(RunTailTest, JsonFormatAndCommitFromCommittedCursor) {
  testing::FakeDaemon daemon;
  for (int i = 1; i <= 4; ++i) {
    daemon.sinks.Add(riskflow::v1::NOTIFY, Decision(absl::StrCat("e", i)));
  }
  daemon.sinks.SetCursor(riskflow::v1::NOTIFY, "ops", 1);
  auto options = ParseTailArgs({"notify", "--consumer=ops", "--from_committed",
                                "--commit", "--max=2", "--format=json"});
  ASSERT_TRUE(options.ok()) << options.status();
  auto stub = riskflow::v1::Sinks::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunTail(*options, stub.get(), out, err), kExitOk) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("\"event_id\":\"e2\""));
  EXPECT_THAT(out.str(), HasSubstr("\"event_id\":\"e3\""));
  EXPECT_EQ(out.str().find("\"e4\""), std::string::npos);
  EXPECT_EQ(daemon.sinks.Cursor(riskflow::v1::NOTIFY, "ops"), 3u);
  EXPECT_THAT(err.str(), HasSubstr("committed NOTIFY cursor of consumer "
                                   "\"ops\" at 3"));
}

TEST(RunTailTest, EmptySinkPrintsNothingAndCommitsNothing) {
  testing::FakeDaemon daemon;
  daemon.sinks.SetCursor(riskflow::v1::FREEZE, "ops", 7);
  auto options = ParseTailArgs({"freeze", "--consumer=ops", "--commit"});
  ASSERT_TRUE(options.ok());
  auto stub = riskflow::v1::Sinks::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunTail(*options, stub.get(), out, err), kExitOk);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(daemon.sinks.Cursor(riskflow::v1::FREEZE, "ops"), 7u);
}

}  // namespace
}  // namespace riskflow::cli
