#include "tools/riskflow/publish.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/fake_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string EventLine(const std::string& id,
                      const std::string& channel = "c1") {
  return absl::StrCat(R"({"event_id":")", id, R"(","channel_id":")", channel,
                      R"(","type":"PAYMENT","amount_minor":100})", "\n");
}

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

PublishOptions Options(const std::string& file,
                       const testing::FakeDaemon& daemon) {
  PublishOptions options;
  options.file = file;
  options.global.target = daemon.target();
  return options;
}

TEST(ParsePublishArgsTest, DefaultsAndFlags) {
  auto options = ParsePublishArgs({"events.jsonl"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->file, "events.jsonl");
  EXPECT_EQ(options->batch_size, 1000);
  EXPECT_EQ(options->window, 8);
  EXPECT_EQ(options->global.target, "127.0.0.1:7411");

  options = ParsePublishArgs(
      {"--batch_size", "10", "-", "--window=2", "--target=h:1"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->file, "-");
  EXPECT_EQ(options->batch_size, 10);
  EXPECT_EQ(options->window, 2);
  EXPECT_EQ(options->global.target, "h:1");
}

TEST(ParsePublishArgsTest, Errors) {
  EXPECT_THAT(std::string(ParsePublishArgs({}).status().message()),
              HasSubstr("needs exactly one FILE.jsonl"));
  EXPECT_THAT(std::string(ParsePublishArgs({"a", "b"}).status().message()),
              HasSubstr("got 2 arguments"));
  EXPECT_THAT(
      std::string(ParsePublishArgs({"a", "--follow"}).status().message()),
      HasSubstr("unknown flag --follow for riskflow publish"));
  EXPECT_THAT(
      std::string(ParsePublishArgs({"a", "--window=0"}).status().message()),
      HasSubstr("--window must be at least 1"));
}

TEST(RunPublishTest, AllAcceptedExitsZero) {
  testing::FakeDaemon daemon;
  std::string text;
  for (int i = 0; i < 25; ++i) text += EventLine(absl::StrCat("e", i));
  PublishOptions options = Options(WriteFile("ok.jsonl", text), daemon);
  options.batch_size = 10;
  options.window = 2;
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPublish(options, stub.get(), out, err), kExitOk) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("published 25 events"));
  EXPECT_THAT(out.str(), HasSubstr("in 3 batches"));
  EXPECT_THAT(out.str(), HasSubstr("accepted:   25"));
  EXPECT_THAT(out.str(), HasSubstr("highest durable sequence: 25"));
  EXPECT_THAT(out.str(), HasSubstr("events/s"));
  EXPECT_THAT(daemon.ingest.batch_sizes(), ElementsAre(10, 10, 5));
  EXPECT_EQ(err.str(), "");
}

TEST(RunPublishTest, ResendIsCutIntoNextBatchAndCountsAsDuplicate) {
  testing::FakeDaemon daemon;
  PublishOptions options =
      Options(WriteFile("dup.jsonl", EventLine("e1") + EventLine("e2") +
                                         EventLine("e1", "other-channel") +
                                         EventLine("e1") + EventLine("e3")),
              daemon);
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPublish(options, stub.get(), out, err), kExitOk) << err.str();
  // The same event_id on another channel is a different event.
  EXPECT_THAT(daemon.ingest.batch_sizes(), ElementsAre(3, 2));
  EXPECT_THAT(out.str(), HasSubstr("accepted:   4"));
  EXPECT_THAT(out.str(), HasSubstr("duplicates: 1"));
}

TEST(RunPublishTest, SampleStreamPublishesWithOneDuplicate) {
  testing::FakeDaemon daemon;
  PublishOptions options = Options("tools/sample/events.jsonl", daemon);
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPublish(options, stub.get(), out, err), kExitOk) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("published 232 events"));
  EXPECT_THAT(out.str(), HasSubstr("accepted:   231"));
  EXPECT_THAT(out.str(), HasSubstr("duplicates: 1"));
  EXPECT_THAT(out.str(), HasSubstr("rejected:   0"));
  EXPECT_THAT(out.str(), HasSubstr("highest durable sequence: 231"));
  EXPECT_THAT(daemon.ingest.batch_sizes(), ElementsAre(231, 1));
}

TEST(RunPublishTest, RejectionsNameLineAndEventIdAndExitTwo) {
  testing::FakeDaemon daemon;
  PublishOptions options = Options(
      WriteFile("rejects.jsonl", "# header\n" + EventLine("e1") + "\n" +
                                     EventLine("bad-7") + EventLine("e2")),
      daemon);
  options.batch_size = 2;
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPublish(options, stub.get(), out, err), kExitRejected);
  EXPECT_THAT(out.str(), HasSubstr("rejected:   1"));
  EXPECT_THAT(out.str(),
              HasSubstr("line 4 (event_id bad-7): amount_minor must not be "
                        "negative"));
}

TEST(RunPublishTest, RefusedBatchCountsAllItsEvents) {
  testing::FakeDaemon daemon;
  daemon.ingest.SetMaxBatch(2);
  PublishOptions options =
      Options(WriteFile("big.jsonl",
                        EventLine("e1") + EventLine("e2") + EventLine("e3")),
              daemon);
  options.batch_size = 3;
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPublish(options, stub.get(), out, err), kExitRejected);
  EXPECT_THAT(out.str(), HasSubstr("rejected:   3"));
  EXPECT_THAT(out.str(), HasSubstr("batch of 3 events (lines 1-3) refused"));
}

TEST(RunPublishTest, StreamFailureIsASentenceWithTheCode) {
  testing::FakeDaemon daemon;
  daemon.ingest.FailAfterBatches(1);
  std::string text;
  for (int i = 0; i < 6; ++i) text += EventLine(absl::StrCat("e", i));
  PublishOptions options = Options(WriteFile("fail.jsonl", text), daemon);
  options.batch_size = 2;
  options.window = 1;
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPublish(options, stub.get(), out, err), kExitError);
  EXPECT_THAT(err.str(),
              HasSubstr("the Publish stream to " + daemon.target() +
                        " failed with RESOURCE_EXHAUSTED: ingest queue is "
                        "full (riskflowd is overloaded"));
  EXPECT_THAT(out.str(), HasSubstr("accepted:   2"));
}

TEST(RunPublishTest, MalformedLineStopsWithFileAndLine) {
  testing::FakeDaemon daemon;
  std::string path =
      WriteFile("malformed.jsonl",
                EventLine("e1") + "{\"event_id\": \"x\"\n" + EventLine("e2"));
  PublishOptions options = Options(path, daemon);
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPublish(options, stub.get(), out, err), kExitError);
  EXPECT_THAT(err.str(),
              HasSubstr("stopped reading at " + path + ":2: invalid JSON: "));
  EXPECT_THAT(out.str(), HasSubstr("published 1 events"));
}

TEST(RunPublishTest, MissingFile) {
  testing::FakeDaemon daemon;
  PublishOptions options =
      Options(::testing::TempDir() + "/absent.jsonl", daemon);
  auto stub = riskflow::v1::Ingest::NewStub(daemon.channel());
  std::ostringstream out, err;
  EXPECT_EQ(RunPublish(options, stub.get(), out, err), kExitError);
  EXPECT_THAT(err.str(), HasSubstr("cannot open"));
  EXPECT_THAT(err.str(), HasSubstr("absent.jsonl"));
}

TEST(PrintPublishSummaryTest, UnacknowledgedEventsAreAnError) {
  PublishOptions options;
  options.file = "x.jsonl";
  PublishSummary summary;
  summary.published = 10;
  summary.accepted = 4;
  summary.unacknowledged = 6;
  summary.stream_status =
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed");
  std::ostringstream out, err;
  EXPECT_EQ(PrintPublishSummary(options, summary, out, err), kExitError);
  EXPECT_THAT(out.str(), HasSubstr("unacknowledged: 6"));
  EXPECT_THAT(err.str(), HasSubstr("failed with UNAVAILABLE: Socket closed "
                                   "(is the daemon running? use --target)."));
  EXPECT_THAT(err.str(), HasSubstr("6 events were sent but never "
                                   "acknowledged"));
}

}  // namespace
}  // namespace riskflow::cli
