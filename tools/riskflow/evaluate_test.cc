#include "tools/riskflow/evaluate.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/fake_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kLargePayout[] =
    R"({"event_id":"p1","channel_id":"wallet-app","type":"PAYOUT",)"
    R"("account_id":"acct-0001","amount_minor":15000000,"currency":"CNY"})";

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

TEST(RunEvaluateTest, PrintsJsonDecisionAndDuplicateFlag) {
  testing::FakeDaemon daemon;
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  auto options = ParseEvaluateArgs({"--json", kLargePayout});
  ASSERT_TRUE(options.ok());
  std::ostringstream out, err;
  EXPECT_EQ(RunEvaluate(*options, stub.get(), out, err), kExitOk) << err.str();
  EXPECT_THAT(out.str(), StartsWith("{\"duplicate\":false,\"decision\":{"));
  EXPECT_THAT(out.str(), HasSubstr("\"route\":\"MANUAL_REVIEW\""));

  std::ostringstream again, again_err;
  EXPECT_EQ(RunEvaluate(*options, stub.get(), again, again_err), kExitOk);
  EXPECT_THAT(again.str(), StartsWith("{\"duplicate\":true,"));
}

TEST(RunEvaluateTest, TextFormat) {
  testing::FakeDaemon daemon;
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  auto options = ParseEvaluateArgs({"--json", kLargePayout, "--format=text"});
  ASSERT_TRUE(options.ok());
  std::ostringstream out, err;
  EXPECT_EQ(RunEvaluate(*options, stub.get(), out, err), kExitOk);
  EXPECT_THAT(out.str(), HasSubstr("decision   wallet-app/p1\n"));
  EXPECT_THAT(out.str(), HasSubstr("route      MANUAL_REVIEW"));
  EXPECT_THAT(out.str(), HasSubstr("large_payout  LARGE_AMOUNT"));
}

TEST(RunEvaluateTest, DeadlineExceededIsExplained) {
  testing::FakeDaemon daemon;
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  auto options = ParseEvaluateArgs(
      {"--json", R"({"event_id":"slow","attributes":{"sleep_ms":"500"}})",
       "--deadline_ms=50"});
  ASSERT_TRUE(options.ok());
  std::ostringstream out, err;
  EXPECT_EQ(RunEvaluate(*options, stub.get(), out, err), kExitError);
  EXPECT_THAT(err.str(), HasSubstr("Evaluate (deadline 50 ms) did not finish "
                                   "within its deadline"));
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace riskflow::cli
