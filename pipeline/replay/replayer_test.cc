// The replayer with the real engine and the real detector plugins.
#include "pipeline/replay/replayer.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/hashing.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/delimited.h"
#include "pipeline/replay/input_file.h"
#include "pipeline/replay/jsonl_reader.h"
#include "pipeline/replay/progress.h"
#include "pipeline/replay/state_dir.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::replay {
namespace {

using ::testing::HasSubstr;

constexpr char kSample[] = "tools/sample/events.jsonl";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class ReplayerTest : public ::testing::Test {
 protected:
  ReplayOptions Options(const std::string& input) {
    ReplayOptions o;
    auto config =
        config::ParsePipelineYaml(config::DefaultPipelineYaml());
    EXPECT_TRUE(config.ok());
    o.pipeline = *config;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.input.path = input;
    o.out = dir_.path() + "/decisions.jsonl";
    return o;
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  storage::ScopedTempDir dir_;
};

TEST_F(ReplayerTest, OneDecisionPerLoggedEventInSequenceOrder) {
  ReplayOptions o = Options(kSample);
  o.shards = 2;
  absl::StatusOr<ReplaySummary> s = Replayer::Run(o);
  ASSERT_TRUE(s.ok()) << s.status();
  // The sample holds one re-sent event id.
  EXPECT_EQ(s->events_read, 232u);
  EXPECT_EQ(s->duplicates, 1u);
  EXPECT_EQ(s->rejected, 0u);
  EXPECT_EQ(s->decided, 231u);
  EXPECT_GT(s->routes["PASS"], 0u);
  EXPECT_GT(s->routes["FREEZE"], 0u);
  EXPECT_GT(s->detector_hits["velocity_burst"], 0u);
  EXPECT_EQ(s->output_sha256, config::Sha256Hex(ReadAll(o.out)));
  EXPECT_TRUE(s->state_dir.empty());  // the temporary one is gone

  std::vector<std::string> lines = Lines(o.out);
  ASSERT_EQ(lines.size(), 231u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_THAT(lines[i], HasSubstr("\"sequence\":\"" +
                                    std::to_string(i + 1) + "\""));
    EXPECT_THAT(lines[i], HasSubstr(s->pipeline_version));
  }
}

TEST_F(ReplayerTest, SameBytesForAnyShardCountAndBatchSize) {
  std::string first;
  for (uint32_t shards : {1u, 3u}) {
    for (uint32_t batch : {1u, 1000u}) {
      ReplayOptions o = Options(kSample);
      o.shards = shards;
      o.batch_size = batch;
      absl::StatusOr<ReplaySummary> s = Replayer::Run(o);
      ASSERT_TRUE(s.ok()) << s.status();
      if (first.empty()) first = s->output_sha256;
      EXPECT_EQ(s->output_sha256, first) << shards << " shards, " << batch;
    }
  }
}

TEST_F(ReplayerTest, NeverWritesASinkOutbox) {
  ReplayOptions o = Options(kSample);
  o.state_dir = dir_.path() + "/state";
  absl::StatusOr<ReplaySummary> s = Replayer::Run(o);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_GT(s->routes["FREEZE"] + s->routes["NOTIFY"], 0u);
  EXPECT_EQ(s->state_dir, o.state_dir);
  storage::StoreOptions reopen;
  auto store = state::OpenStateStore(o.state_dir + "/engine", reopen);
  ASSERT_TRUE(store.ok()) << store.status();
  auto it = (*store)->NewIterator(storage::Cf::kOutbox);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid()) << "the replay wrote an outbox entry";
}

TEST_F(ReplayerTest, ProtoOutputHoldsTheSameDecisions) {
  ReplayOptions o = Options(kSample);
  ASSERT_TRUE(Replayer::Run(o).ok());
  std::vector<std::string> json = Lines(o.out);
  o.out = dir_.path() + "/decisions.pb";
  o.out_format = OutputFormat::kProto;
  absl::StatusOr<ReplaySummary> s = Replayer::Run(o);
  ASSERT_TRUE(s.ok()) << s.status();
  auto file = InputFile::Open(o.out);
  ASSERT_TRUE(file.ok());
  std::string bytes;
  size_t i = 0;
  while (ReadDelimited(file->get(), &bytes, nullptr) ==
         DelimitedRead::kRecord) {
    riskflow::v1::Decision d;
    ASSERT_TRUE(d.ParseFromString(bytes));
    ASSERT_LT(i, json.size());
    EXPECT_EQ(DecisionToJson(d), json[i++]);
  }
  EXPECT_EQ(i, json.size());
}

TEST_F(ReplayerTest, RejectsInvalidEventsWithTheirPosition) {
  ReplayOptions o = Options(Write(
      "in.jsonl",
      "{\"event_id\":\"e1\",\"channel_id\":\"c\",\"account_id\":\"a\","
      "\"type\":\"PAYMENT\",\"event_time_ms\":1767225600000,"
      "\"amount_minor\":5,\"currency\":\"CNY\"}\n"
      "{\"event_id\":\"e2\",\"channel_id\":\"c\",\"account_id\":\"a\","
      "\"type\":\"PAYMENT\",\"event_time_ms\":1767225600001,"
      "\"amount_minor\":-5,\"currency\":\"CNY\"}\n"
      "not json\n"));
  o.max_reported_rejects = 1;
  absl::StatusOr<ReplaySummary> s = Replayer::Run(o);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->events_read, 3u);
  EXPECT_EQ(s->rejected, 2u);
  EXPECT_EQ(s->decided, 1u);
  ASSERT_EQ(s->first_rejects.size(), 1u);
  EXPECT_THAT(s->first_rejects[0],
              HasSubstr("in.jsonl:2 (event_id \"e2\"): amount_minor"));
}

TEST_F(ReplayerTest, RefusesALiveDataDirectory) {
  const std::string data = dir_.path() + "/data";
  ASSERT_EQ(mkdir(data.c_str(), 0755), 0);
  {
    auto store = storage::Store::Open(data + "/log", {});
    ASSERT_TRUE(store.ok());
  }
  ReplayOptions o = Options(kSample);
  o.state_dir = data;
  absl::StatusOr<ReplaySummary> s = Replayer::Run(o);
  EXPECT_TRUE(absl::IsFailedPrecondition(s.status())) << s.status();
  EXPECT_THAT(s.status().message(), HasSubstr("refusing --state_dir"));
  EXPECT_FALSE(std::ifstream(o.out).good()) << "no output on refusal";

  // Replaying a data directory into itself is refused too.
  o.input.path.clear();
  o.from_log = data;
  s = Replayer::Run(o);
  EXPECT_THAT(s.status().message(), HasSubstr("overlaps the data directory"));
}

TEST_F(ReplayerTest, BadOptionsAreSentences) {
  ReplayOptions o = Options(kSample);
  o.from_log = "/somewhere";
  EXPECT_EQ(Replayer::Run(o).status().message(),
            "needs exactly one input: --input FILE or --from_log DATA_DIR");
  o = Options(kSample);
  o.out.clear();
  EXPECT_EQ(Replayer::Run(o).status().message(),
            "--out: an output file is required");
  o = Options(dir_.path() + "/missing.jsonl");
  EXPECT_THAT(Replayer::Run(o).status().message(),
              HasSubstr("cannot open " + dir_.path() + "/missing.jsonl"));
}

TEST(ProgressLineTest, ShowsEventsRateAndEta) {
  EXPECT_EQ(ProgressLine(1234567, absl::Seconds(10), SourceProgress{1, 4}),
            "  1,234,567 events  123,456 ev/s  [#####               ]  25%  "
            "ETA 0:30");
  EXPECT_EQ(ProgressLine(5, absl::Seconds(1), std::nullopt),
            "  5 events  5 ev/s");
}

}  // namespace
}  // namespace riskflow::replay
