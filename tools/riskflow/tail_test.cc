#include "tools/riskflow/tail.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/publish.h"
#include "tools/riskflow/test_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

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

// A fresh real daemon with tools/sample/events.jsonl published and fully
// processed: FREEZE 5, MANUAL_REVIEW 2, NOTIFY 23 (tools/sample/README.md).
class RunTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto daemon = testing::TestDaemon::Start();
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
  }

  void PublishSample() {
    PublishOptions options;
    options.file = testing::kSampleEvents;
    options.global.target = daemon_->target();
    std::ostringstream out, err;
    ASSERT_EQ(RunPublish(options, daemon_->ingest(), out, err), kExitOk)
        << err.str();
    ASSERT_THAT(out.str(), HasSubstr("accepted:   231\n"));
    absl::Status processed = daemon_->WaitProcessed();
    ASSERT_TRUE(processed.ok()) << processed;
  }

  struct Run {
    int code;
    std::string out;
    std::string err;
  };

  Run Tail(std::vector<std::string> args) {
    args.push_back("--target=" + daemon_->target());
    auto options = ParseTailArgs(args);
    EXPECT_TRUE(options.ok()) << options.status();
    if (!options.ok()) return {-1, "", ""};
    std::ostringstream out, err;
    int code = RunTail(*options, daemon_->sinks(), out, err);
    return {code, out.str(), err.str()};
  }

  static std::vector<std::string> EventIds(const std::string& text) {
    auto lines = testing::ParseTailText(text);
    EXPECT_TRUE(lines.ok()) << lines.status();
    std::vector<std::string> ids;
    if (lines.ok()) {
      for (const auto& line : *lines) ids.push_back(line.event_id);
    }
    return ids;
  }

  static std::vector<uint64_t> SinkSequences(const std::string& text) {
    auto lines = testing::ParseTailText(text);
    EXPECT_TRUE(lines.ok()) << lines.status();
    std::vector<uint64_t> sequences;
    if (lines.ok()) {
      for (const auto& line : *lines) sequences.push_back(line.sink_sequence);
    }
    return sequences;
  }

  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }

  std::unique_ptr<testing::TestDaemon> daemon_;
};

TEST_F(RunTailTest, EachSinkHoldsWhatTheSampleReadmeExpects) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());

  Run freeze = Tail({"freeze"});
  ASSERT_EQ(freeze.code, kExitOk) << freeze.err;
  EXPECT_EQ(freeze.err, "");
  auto freeze_lines = testing::ParseTailText(freeze.out);
  ASSERT_TRUE(freeze_lines.ok()) << freeze_lines.status();
  ASSERT_EQ(freeze_lines->size(), 5u) << freeze.out;
  for (const testing::TailLine& line : *freeze_lines) {
    SCOPED_TRACE(line.event_id);
    EXPECT_EQ(line.route, "FREEZE");
    EXPECT_EQ(line.channel_id, "wallet-app");
    EXPECT_EQ(line.account_id, "acct-0042");
    if (line.event_id == "evt-000204") {
      // Transfer 21 of the 2 s burst: both velocity detectors fire, and
      // the FREEZE holds the account (docs/account-holds.md).
      EXPECT_THAT(line.tags, UnorderedElementsAre("velocity_burst:VELOCITY",
                                                  "velocity_extreme:VELOCITY",
                                                  "account_hold:HOLD_PLACED"));
    } else {
      // Transfers 22-25: the account is held; no detector runs.
      EXPECT_THAT(line.tags, ElementsAre("account_hold:ACCOUNT_HELD"));
    }
  }
  EXPECT_THAT(SinkSequences(freeze.out), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(Sorted(EventIds(freeze.out)),
            testing::SampleSinkEventIds(riskflow::v1::FREEZE));

  Run review = Tail({"MANUAL_REVIEW"});
  ASSERT_EQ(review.code, kExitOk) << review.err;
  auto review_lines = testing::ParseTailText(review.out);
  ASSERT_TRUE(review_lines.ok()) << review_lines.status();
  ASSERT_EQ(review_lines->size(), 2u) << review.out;
  EXPECT_EQ(Sorted(EventIds(review.out)),
            testing::SampleSinkEventIds(riskflow::v1::MANUAL_REVIEW));
  for (const testing::TailLine& line : *review_lines) {
    SCOPED_TRACE(line.event_id);
    EXPECT_EQ(line.route, "MANUAL_REVIEW");
    if (line.event_id == "evt-000168") {
      EXPECT_EQ(line.channel_id, "card-acq-1");
      EXPECT_EQ(line.account_id, "acct-0043");
      EXPECT_THAT(line.tags, ElementsAre("large_payout:LARGE_AMOUNT"));
    } else {
      EXPECT_EQ(line.channel_id, "wallet-app");
      EXPECT_EQ(line.account_id, "acct-0045");
      EXPECT_THAT(line.tags, ElementsAre("duplicate_payout:DUPLICATE_PAYOUT"));
    }
  }

  Run notify = Tail({"notify"});
  ASSERT_EQ(notify.code, kExitOk) << notify.err;
  auto notify_lines = testing::ParseTailText(notify.out);
  ASSERT_TRUE(notify_lines.ok()) << notify_lines.status();
  ASSERT_EQ(notify_lines->size(), 19u) << notify.out;
  EXPECT_EQ(Sorted(EventIds(notify.out)),
            testing::SampleSinkEventIds(riskflow::v1::NOTIFY));
  const std::vector<std::string> frozen =
      testing::SampleSinkEventIds(riskflow::v1::FREEZE);
  for (size_t i = 0; i < notify_lines->size(); ++i) {
    const testing::TailLine& line = (*notify_lines)[i];
    SCOPED_TRACE(line.event_id);
    EXPECT_EQ(line.sink_sequence, i + 1);
    // The line shows the decision's most severe route: the frozen
    // transfer that placed the hold is in NOTIFY too, printed as FREEZE.
    const bool also_frozen =
        std::find(frozen.begin(), frozen.end(), line.event_id) != frozen.end();
    EXPECT_EQ(line.route, also_frozen ? "FREEZE" : "NOTIFY");
    EXPECT_EQ(line.account_id,
              line.event_id < "evt-000150" ? "acct-0041" : "acct-0042");
    EXPECT_THAT(line.tags, Contains("velocity_burst:VELOCITY"));
  }
}

TEST_F(RunTailTest, PrintsBacklogAfterCursor) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());
  Run all = Tail({"freeze"});
  ASSERT_EQ(all.code, kExitOk) << all.err;
  Run after = Tail({"freeze", "--after=1"});
  ASSERT_EQ(after.code, kExitOk) << after.err;
  EXPECT_THAT(SinkSequences(after.out), ElementsAre(2, 3, 4, 5));
  // Exactly the lines after the first.
  EXPECT_EQ(after.out, all.out.substr(all.out.find('\n') + 1));
  Run end = Tail({"freeze", "--after=5"});
  EXPECT_EQ(end.code, kExitOk);
  EXPECT_EQ(end.out, "");
}

TEST_F(RunTailTest, JsonFormatCarriesTheWholeDecision) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());
  Run json = Tail({"manual_review", "--format=json", "--max=1"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  ASSERT_EQ(std::count(json.out.begin(), json.out.end(), '\n'), 1);
  riskflow::v1::Decision decision;
  auto parsed = google::protobuf::util::JsonStringToMessage(json.out, &decision);
  ASSERT_TRUE(parsed.ok()) << parsed.ToString() << ": " << json.out;
  EXPECT_EQ(decision.sink_sequence(), 1u);
  EXPECT_EQ(decision.route(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_EQ(decision.decision_id(),
            decision.channel_id() + "/" + decision.event_id());
  EXPECT_GT(decision.sequence(), 0u);
  EXPECT_FALSE(decision.pipeline_version().empty());
  EXPECT_GT(decision.plugin_builds_size(), 0);
}

TEST_F(RunTailTest, CommitThenFromCommittedResumesAfterTheCursor) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());
  Run first = Tail({"notify", "--consumer=ops", "--commit", "--max=2"});
  ASSERT_EQ(first.code, kExitOk) << first.err;
  EXPECT_THAT(SinkSequences(first.out), ElementsAre(1, 2));
  EXPECT_EQ(first.err,
            "riskflow tail: committed NOTIFY cursor of consumer \"ops\" at 2\n");

  Run second = Tail({"notify", "--consumer=ops", "--from_committed",
                     "--commit", "--max=3", "--format=json"});
  ASSERT_EQ(second.code, kExitOk) << second.err;
  EXPECT_THAT(second.out, HasSubstr("\"sink_sequence\":\"3\""));
  EXPECT_THAT(second.out, HasSubstr("\"sink_sequence\":\"5\""));
  EXPECT_EQ(second.out.find("\"sink_sequence\":\"2\""), std::string::npos);
  EXPECT_EQ(second.out.find("\"sink_sequence\":\"6\""), std::string::npos);
  EXPECT_EQ(second.err,
            "riskflow tail: committed NOTIFY cursor of consumer \"ops\" at 5\n");

  // The rest, without committing: the cursor stays at 5.
  Run rest = Tail({"notify", "--consumer=ops", "--from_committed"});
  ASSERT_EQ(rest.code, kExitOk) << rest.err;
  std::vector<uint64_t> expected;
  // The sample's NOTIFY sink holds 19 (tools/sample/README.md: with account
  // holds, acct-0042's last four transfers are held, not notified).
  for (uint64_t s = 6; s <= 19; ++s) expected.push_back(s);
  EXPECT_EQ(SinkSequences(rest.out), expected);
  EXPECT_EQ(rest.err, "");
  Run again = Tail({"notify", "--consumer=ops", "--from_committed", "--max=1"});
  EXPECT_THAT(SinkSequences(again.out), ElementsAre(6));

  // The three reads together are the whole sink, each entry once.
  Run all = Tail({"notify"});
  std::vector<std::string> ids = EventIds(first.out);
  for (const std::string& id : EventIds(rest.out)) ids.push_back(id);
  std::vector<std::string> middle = EventIds(Tail({"notify", "--after=2",
                                                   "--max=3"}).out);
  ids.insert(ids.end(), middle.begin(), middle.end());
  EXPECT_EQ(Sorted(ids), Sorted(EventIds(all.out)));

  // Cursors are per consumer and per sink.
  Run other = Tail({"notify", "--consumer=audit", "--from_committed"});
  EXPECT_EQ(SinkSequences(other.out).size(), 19u);
  Run freeze = Tail({"freeze", "--consumer=ops", "--from_committed"});
  EXPECT_EQ(SinkSequences(freeze.out).size(), 5u);
}

TEST_F(RunTailTest, NothingNewPrintsNothingAndCommitsNothing) {
  // A fresh daemon: every sink is empty.
  Run empty = Tail({"freeze", "--consumer=ops", "--commit"});
  EXPECT_EQ(empty.code, kExitOk) << empty.err;
  EXPECT_EQ(empty.out, "");
  EXPECT_EQ(empty.err, "");

  ASSERT_NO_FATAL_FAILURE(PublishSample());
  Run all = Tail({"freeze", "--consumer=ops", "--from_committed", "--commit"});
  ASSERT_EQ(all.code, kExitOk) << all.err;
  EXPECT_EQ(SinkSequences(all.out).size(), 5u);
  EXPECT_THAT(all.err, HasSubstr("cursor of consumer \"ops\" at 5\n"));
  // Caught up: nothing printed, and the cursor is not moved back to 0.
  Run none = Tail({"freeze", "--consumer=ops", "--from_committed", "--commit"});
  EXPECT_EQ(none.code, kExitOk) << none.err;
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(none.err, "");
  Run still = Tail({"freeze", "--consumer=ops", "--from_committed"});
  EXPECT_EQ(still.out, "");
}

TEST_F(RunTailTest, FollowWithMaxStopsAfterThatMany) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());
  Run follow = Tail({"notify", "--follow", "--max=4"});
  ASSERT_EQ(follow.code, kExitOk) << follow.err;
  EXPECT_THAT(SinkSequences(follow.out), ElementsAre(1, 2, 3, 4));
}

TEST_F(RunTailTest, DaemonRefusesANonSink) {
  // ParseTailArgs never lets PASS through; the daemon says why it is wrong.
  TailOptions options;
  options.global.target = daemon_->target();
  options.sink = riskflow::v1::PASS;
  std::ostringstream out, err;
  EXPECT_EQ(RunTail(options, daemon_->sinks(), out, err), kExitError);
  EXPECT_EQ(err.str(),
            "riskflow tail: Subscribe to PASS failed: INVALID_ARGUMENT: sink: "
            "PASS is not a sink (expected FREEZE, NOTIFY or MANUAL_REVIEW)\n");
  EXPECT_EQ(out.str(), "");
}

TEST_F(RunTailTest, ThroughTheCommandLine) {
  ASSERT_NO_FATAL_FAILURE(PublishSample());
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"tail", "manual-review", "--target", daemon_->target()},
                   out, err),
            kExitOk)
      << err.str();
  EXPECT_EQ(Sorted(EventIds(out.str())),
            testing::SampleSinkEventIds(riskflow::v1::MANUAL_REVIEW));
}

}  // namespace
}  // namespace riskflow::cli
