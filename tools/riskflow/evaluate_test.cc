#include "tools/riskflow/evaluate.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/test_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Over the default pipeline's CNY threshold (10,000,000 fen).
constexpr char kLargePayout[] =
    R"({"event_id":"p1","channel_id":"wallet-app","type":"PAYOUT",)"
    R"("event_time_ms":1767225600000,"account_id":"acct-0001",)"
    R"("counterparty":"bene-0001","amount_minor":15000000,"currency":"CNY"})";

// Nothing in the default pipeline fires on one small payment.
constexpr char kSmallPayment[] =
    R"({"event_id":"s1","channel_id":"card-acq-1","type":"PAYMENT",)"
    R"("event_time_ms":1767225600000,"account_id":"acct-0002",)"
    R"("counterparty":"merch-0001","amount_minor":4200,"currency":"USD"})";

TEST(ParseEvaluateArgsTest, NeedsExactlyOneSource) {
  auto options = ParseEvaluateArgs({"--json", "{}"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->deadline_ms, 200);
  EXPECT_EQ(options->format, OutputFormat::kJson);
  EXPECT_THAT(std::string(ParseEvaluateArgs({}).status().message()),
              HasSubstr("exactly one of --json"));
  EXPECT_THAT(
      std::string(
          ParseEvaluateArgs({"--json={}", "--file=x"}).status().message()),
      HasSubstr("exactly one of --json"));
  EXPECT_THAT(std::string(ParseEvaluateArgs({"event.json"}).status().message()),
              HasSubstr("takes no positional arguments"));
  EXPECT_THAT(std::string(ParseEvaluateArgs({"--json={}", "--deadline_ms=0"})
                              .status()
                              .message()),
              HasSubstr("--deadline_ms must be at least 1"));
}

TEST(LoadEvaluateEventTest, ReadsPrettyPrintedFileAndNamesBadSource) {
  std::string path = ::testing::TempDir() + "/event.json";
  std::ofstream(path)
      << "{\n  \"event_id\": \"p1\",\n  \"type\": \"PAYOUT\"\n}\n";
  EvaluateOptions options;
  options.file = path;
  auto event = LoadEvaluateEvent(options);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->event_id(), "p1");

  options.file.clear();
  options.json = R"({"amount": 5})";
  EXPECT_EQ(LoadEvaluateEvent(options).status().message(),
            "--json: invalid JSON: unknown field \"amount\"");
}

class RunEvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto daemon = testing::TestDaemon::Start();
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
  }

  EvaluateOptions Options(std::vector<std::string> args) {
    args.push_back("--target=" + daemon_->target());
    auto options = ParseEvaluateArgs(args);
    EXPECT_TRUE(options.ok()) << options.status();
    return options.ok() ? *options : EvaluateOptions();
  }

  std::string VersionHash() {
    grpc::ClientContext context;
    riskflow::v1::PipelineInfo info;
    grpc::Status s = daemon_->admin()->GetPipeline(
        &context, riskflow::v1::GetPipelineRequest(), &info);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return info.version_hash();
  }

  riskflow::v1::Ingest::Stub* stub() { return daemon_->ingest(); }

  std::unique_ptr<testing::TestDaemon> daemon_;
};

// The JSON form is {"duplicate":<bool>,"decision":<Decision JSON>}.
riskflow::v1::Decision DecisionOf(const std::string& json_line) {
  const std::string prefix = ",\"decision\":";
  size_t start = json_line.find(prefix);
  EXPECT_NE(start, std::string::npos) << json_line;
  EXPECT_TRUE(absl::EndsWith(json_line, "}\n")) << json_line;
  if (start == std::string::npos || json_line.size() < 2) return {};
  start += prefix.size();
  std::string decision_json =
      json_line.substr(start, json_line.size() - 2 - start);
  riskflow::v1::Decision decision;
  auto status =
      google::protobuf::util::JsonStringToMessage(decision_json, &decision);
  EXPECT_TRUE(status.ok()) << status.ToString() << ": " << decision_json;
  return decision;
}

TEST_F(RunEvaluateTest, PrintsJsonDecisionThenTheSameIdIsADuplicate) {
  EvaluateOptions options = Options({"--json", kLargePayout});
  std::ostringstream out, err;
  EXPECT_EQ(RunEvaluate(options, stub(), out, err), kExitOk) << err.str();
  EXPECT_EQ(err.str(), "");
  EXPECT_THAT(out.str(), StartsWith("{\"duplicate\":false,\"decision\":{"));
  riskflow::v1::Decision first = DecisionOf(out.str());
  EXPECT_EQ(first.decision_id(), "wallet-app/p1");
  EXPECT_EQ(first.event_id(), "p1");
  EXPECT_EQ(first.account_id(), "acct-0001");
  EXPECT_EQ(first.sequence(), 1u);
  EXPECT_EQ(first.route(), riskflow::v1::MANUAL_REVIEW);
  EXPECT_THAT(first.routes(), ElementsAre(riskflow::v1::MANUAL_REVIEW));
  ASSERT_EQ(first.annotations_size(), 1);
  EXPECT_EQ(first.annotations(0).detector(), "large_payout");
  EXPECT_EQ(first.annotations(0).reason_code(), "LARGE_AMOUNT");
  EXPECT_EQ(first.pipeline_version(), VersionHash());

  // The same channel/event_id again: the original decision, flagged.
  std::ostringstream again, again_err;
  EXPECT_EQ(RunEvaluate(options, stub(), again, again_err), kExitOk)
      << again_err.str();
  EXPECT_THAT(again.str(), StartsWith("{\"duplicate\":true,\"decision\":{"));
  riskflow::v1::Decision second = DecisionOf(again.str());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, second))
      << first.DebugString() << "\nvs\n"
      << second.DebugString();

  // Evaluated events are logged like published ones: one MANUAL_REVIEW
  // entry, not two.
  ASSERT_TRUE(daemon_->WaitProcessed().ok());
  auto health = daemon_->Health();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->durable_sequence(), 1u);
  EXPECT_EQ(health->sink_manual_review(), 1u);
}

TEST_F(RunEvaluateTest, TextFormat) {
  EvaluateOptions options = Options({"--json", kLargePayout, "--format=text"});
  std::ostringstream out, err;
  EXPECT_EQ(RunEvaluate(options, stub(), out, err), kExitOk) << err.str();
  EXPECT_THAT(out.str(), StartsWith("decision   wallet-app/p1\n"
                                    "route      MANUAL_REVIEW  (sinks: "
                                    "MANUAL_REVIEW)\n"
                                    "account    acct-0001\n"
                                    "sequence   1\n"
                                    "event time 2026-01-01T00:00:00.000Z\n"));
  EXPECT_THAT(out.str(), HasSubstr("pipeline   " + VersionHash() + "\n"));
  EXPECT_THAT(out.str(), HasSubstr("annotations:\n  large_payout"));
  EXPECT_THAT(out.str(), HasSubstr("  LARGE_AMOUNT  "));
  EXPECT_THAT(out.str(), HasSubstr("route=MANUAL_REVIEW\n"));
  EXPECT_THAT(out.str(), HasSubstr("    currency = CNY\n"));

  std::ostringstream again, again_err;
  EXPECT_EQ(RunEvaluate(options, stub(), again, again_err), kExitOk);
  EXPECT_THAT(again.str(), StartsWith("decision   wallet-app/p1  (duplicate: "
                                      "the original decision)\n"));
}

TEST_F(RunEvaluateTest, BenignEventPasses) {
  EvaluateOptions options = Options({"--json", kSmallPayment, "--format=text"});
  std::ostringstream out, err;
  EXPECT_EQ(RunEvaluate(options, stub(), out, err), kExitOk) << err.str();
  EXPECT_THAT(out.str(), StartsWith("decision   card-acq-1/s1\n"
                                    "route      PASS  (sinks: PASS)\n"));
  EXPECT_THAT(out.str(), HasSubstr("annotations: none\n"));
}

TEST_F(RunEvaluateTest, InvalidEventIsRefusedNamingTheField) {
  EvaluateOptions options = Options(
      {"--json",
       R"({"event_id":"n1","channel_id":"wallet-app","type":"PAYOUT",)"
       R"("event_time_ms":1767225600000,"account_id":"acct-0001",)"
       R"("amount_minor":-5,"currency":"CNY"})"});
  std::ostringstream out, err;
  EXPECT_EQ(RunEvaluate(options, stub(), out, err), kExitError);
  EXPECT_EQ(err.str(),
            "riskflow evaluate: Evaluate (deadline 200 ms) failed: "
            "INVALID_ARGUMENT: amount_minor: must not be negative, got -5\n");
  EXPECT_EQ(out.str(), "");
  auto health = daemon_->Health();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->events_rejected(), 1u);
  EXPECT_EQ(health->durable_sequence(), 0u);
}

TEST_F(RunEvaluateTest, ThroughTheCommandLineFromAFile) {
  std::string path = testing::WriteTempFile("event.json", kLargePayout);
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"evaluate", "--file", path, "--target", daemon_->target(),
                    "--deadline_ms=10000"},
                   out, err),
            kExitOk)
      << err.str();
  EXPECT_THAT(out.str(), StartsWith("{\"duplicate\":false,"));
  EXPECT_EQ(DecisionOf(out.str()).route(), riskflow::v1::MANUAL_REVIEW);
}

// A deadline the daemon cannot meet is not reproducible on demand against
// the real daemon, so the sentence is checked on its own.
TEST(EvaluateErrorTest, DeadlineExceededIsExplained) {
  EXPECT_EQ(RpcErrorSentence("Evaluate (deadline 50 ms)", "h:1",
                             grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                          "Deadline Exceeded")),
            "Evaluate (deadline 50 ms) did not finish within its deadline "
            "(DEADLINE_EXCEEDED: Deadline Exceeded)");
}

}  // namespace
}  // namespace riskflow::cli
