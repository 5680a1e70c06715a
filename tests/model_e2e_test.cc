// The model_score detector end to end, on datagen's labelled stream (run
// through its CLI only, so datagen's generator can change underneath):
// train -> score -> report, replay determinism with a model, the FILE
// parameter's refusals and version hash, and the real riskflowd scoring
// with a trained model file named in its --config.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/config/hashing.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/jsonl_reader.h"
#include "pipeline/replay/replayer.h"
#include "pipeline/report/holdout.h"
#include "pipeline/report/model_compare.h"
#include "tests/daemon_process.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/runfiles.h"
#include "tests/temp_dir.h"
#include "tools/riskflow/train_command.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;
using ::testing::HasSubstr;

constexpr int kHoldoutPercent = 20;
// Held-out recall of the model alone at review_above (0.7) on this stream
// (seed 42, 7 days, 400 accounts, anomaly rate 0.01): measured 0.74 when
// written; the floor leaves room for datagen's benign traffic to get
// harder.
constexpr double kRecallFloor = 0.6;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class ModelE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("model-e2e"));
    ASSERT_FALSE(dir_->empty());
    const std::string events = *dir_ + "/events.jsonl";
    // Without datagen's hard negatives: this test is about the train ->
    // score -> report path; on 7 days x 400 accounts WITH them the model's
    // held-out recall is ~0.41 (too little data to learn the look-alikes;
    // docs/models.md, "Weak spots").
    const std::string cmd = absl::StrCat(
        RunfilePath("tools/datagen/datagen"),
        " --seed 42 --days 7 --accounts 400 --anomaly_rate 0.01 "
        "--hard_negatives=false --quiet --out ",
        events);
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    // The example pipeline, next to its model as in examples/models/.
    WriteAll(*dir_ + "/pipeline.yaml",
             ReadRunfile("examples/models/model_score.yaml"));
    std::ostringstream out, err;
    absl::StatusOr<cli::TrainOptions> options = cli::ParseTrainArgs(
        {"--pipeline", *dir_ + "/pipeline.yaml", "--events", events, "--out",
         *dir_ + "/model.json", "--holdout_percent",
         std::to_string(kHoldoutPercent)});
    ASSERT_TRUE(options.ok()) << options.status();
    ASSERT_EQ(cli::RunTrain(*options, out, err), 0) << err.str();
    train_output_ = new std::string(out.str());
    std::printf("%s", out.str().c_str());
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete train_output_;
  }

  static absl::StatusOr<replay::ReplaySummary> Replay(
      const std::string& pipeline_path, const std::string& out,
      uint32_t shards) {
    absl::StatusOr<v1::PipelineConfig> config =
        config::LoadPipelineFile(pipeline_path);
    if (!config.ok()) return config.status();
    replay::ReplayOptions o;
    o.pipeline = *config;
    o.plugin_search_path = plugin_host::DefaultPluginSearchPath();
    o.file_param_dir = plugin_host::FileParamDirFor(pipeline_path);
    o.input.path = *dir_ + "/events.jsonl";
    o.out = out;
    o.shards = shards;
    return replay::Replayer::Run(o);
  }

  static absl::StatusOr<std::unique_ptr<plugin_host::Pipeline>> LoadPipeline(
      const std::string& yaml) {
    absl::StatusOr<v1::PipelineConfig> config = config::ParsePipelineYaml(yaml);
    if (!config.ok()) return config.status();
    plugin_host::PluginPolicy policy(plugin_host::DefaultPluginSearchPath());
    policy.file_param_dir = *dir_;
    return plugin_host::Pipeline::Load(*config, policy);
  }

  static std::string* dir_;
  static std::string* train_output_;
};

std::string* ModelE2eTest::dir_ = nullptr;
std::string* ModelE2eTest::train_output_ = nullptr;

TEST_F(ModelE2eTest, TrainWritesModelAndSidecar) {
  const std::string meta = ReadAll(*dir_ + "/model.json.meta.json");
  EXPECT_THAT(meta, HasSubstr("\"features\": [\"amount_cny\""));
  EXPECT_THAT(meta, HasSubstr(absl::StrCat(
                        "\"model_sha256\": \"",
                        config::Sha256Hex(ReadAll(*dir_ + "/model.json")))));
  EXPECT_THAT(meta, HasSubstr("\"training_data_sha256\": \"" +
                              config::Sha256Hex(
                                  ReadAll(*dir_ + "/events.jsonl"))));
  EXPECT_THAT(meta, HasSubstr("\"method\": \"account_fnv1a64_mod_100\""));
  // Training is deterministic: the same inputs give the same bytes.
  std::ostringstream out, err;
  auto again = cli::ParseTrainArgs(
      {"--pipeline", *dir_ + "/pipeline.yaml", "--events",
       *dir_ + "/events.jsonl", "--out", *dir_ + "/model2.json"});
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(cli::RunTrain(*again, out, err), 0) << err.str();
  EXPECT_EQ(ReadAll(*dir_ + "/model.json"), ReadAll(*dir_ + "/model2.json"));
}

TEST_F(ModelE2eTest, TrainRefusesStreamsWithoutLabels) {
  // Strip every label: a clear error, not a model of nothing.
  std::string events = ReadAll(*dir_ + "/events.jsonl");
  std::string unlabelled;
  std::istringstream lines(events);
  std::string line;
  int kept = 0;
  while (std::getline(lines, line) && kept < 3000) {
    if (line.find("\"label\"") != std::string::npos) continue;
    unlabelled += line + "\n";
    ++kept;
  }
  WriteAll(*dir_ + "/unlabelled.jsonl", unlabelled);
  std::ostringstream out, err;
  auto o = cli::ParseTrainArgs({"--pipeline", *dir_ + "/pipeline.yaml",
                                "--events", *dir_ + "/unlabelled.jsonl",
                                "--out", *dir_ + "/none.json"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(cli::RunTrain(*o, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("no labels: no event in"));
  // Labels that are all benign: no positives to learn from.
  WriteAll(*dir_ + "/benign.jsonl",
           absl::StrReplaceAll(unlabelled, {{"\"country\":", "\"attributes\":"
                                                            "{\"label\":\"benign\"},"
                                                            "\"country\":"}}));
  std::ostringstream out2, err2;
  auto o2 = cli::ParseTrainArgs({"--pipeline", *dir_ + "/pipeline.yaml",
                                 "--events", *dir_ + "/benign.jsonl", "--out",
                                 *dir_ + "/none.json"});
  ASSERT_TRUE(o2.ok());
  EXPECT_EQ(cli::RunTrain(*o2, out2, err2), 1);
  EXPECT_THAT(err2.str(), HasSubstr("no positive labels"));
}

TEST_F(ModelE2eTest, ScoreAndReportOnHeldOutAccounts) {
  const std::string model_pipeline = *dir_ + "/pipeline.yaml";
  auto scored = Replay(model_pipeline, *dir_ + "/model.jsonl", 2);
  ASSERT_TRUE(scored.ok()) << scored.status();
  absl::StatusOr<v1::PipelineConfig> rules_config = config::LoadPipelineFile(
      RunfilePath("pipeline/config/all_detectors.yaml"));
  ASSERT_TRUE(rules_config.ok());
  auto rules = Replay(RunfilePath("pipeline/config/all_detectors.yaml"),
                      *dir_ + "/rules.jsonl", 2);
  ASSERT_TRUE(rules.ok()) << rules.status();

  // The model alone on held-out accounts, at the pipeline's thresholds.
  std::map<std::string, v1::Decision> decisions =
      ReadDecisionsJsonl(*dir_ + "/model.jsonl");
  auto reader = replay::JsonlEventReader::Open(*dir_ + "/events.jsonl");
  ASSERT_TRUE(reader.ok());
  v1::Event e;
  int64_t tp = 0, fn = 0, fp = 0;
  while (*(*reader)->Next(&e)) {
    if (!report::IsHeldOut(e.account_id(), kHoldoutPercent)) continue;
    const v1::Decision& d = decisions.at(e.event_id());
    const bool flagged = d.route() != v1::PASS;
    const bool fraud = e.attributes().count("label") > 0;
    tp += flagged && fraud;
    fn += !flagged && fraud;
    fp += flagged && !fraud;
  }
  const double recall = static_cast<double>(tp) / static_cast<double>(tp + fn);
  std::printf("model alone, held out: tp %lld fn %lld fp %lld recall %.3f\n",
              static_cast<long long>(tp), static_cast<long long>(fn),
              static_cast<long long>(fp), recall);
  EXPECT_GE(recall, kRecallFloor);
  EXPECT_GT(tp, fp) << "precision below 0.5";

  absl::StatusOr<report::ModelComparison> c = report::CompareModel(
      *dir_ + "/rules.jsonl", *dir_ + "/model.jsonl", *dir_ + "/events.jsonl",
      "model_score", kHoldoutPercent);
  ASSERT_TRUE(c.ok()) << c.status();
  std::printf("%s", report::RenderModelComparison(*c).c_str());
  EXPECT_EQ(c->scored, c->events);  // score_all: every event has a score
  EXPECT_GE(c->combined_alerts, c->rules_alerts);
  int64_t rules_caught = 0, combined_caught = 0;
  for (const auto& [kind, k] : c->kinds) {
    EXPECT_GE(k.combined_caught, k.rules_caught) << kind;
    rules_caught += k.rules_caught;
    combined_caught += k.combined_caught;
  }
  EXPECT_GE(combined_caught, rules_caught);
  if (c->has_equal_recall) {
    EXPECT_GE(c->model_recall, c->rules_recall);
    EXPECT_GT(c->model_alerts, 0);
  }
}

TEST_F(ModelE2eTest, ReplayWithModelIsDeterministicAcrossShards) {
  std::set<std::string> hashes;
  std::string version;
  for (uint32_t shards : {1u, 2u, 4u}) {
    auto s = Replay(*dir_ + "/pipeline.yaml",
                    absl::StrCat(*dir_, "/det", shards, ".jsonl"), shards);
    ASSERT_TRUE(s.ok()) << s.status();
    hashes.insert(s->output_sha256);
    version = s->pipeline_version;
  }
  EXPECT_EQ(hashes.size(), 1u);
  // Decisions name the model file's hash in the detector's build.
  std::map<std::string, v1::Decision> d =
      ReadDecisionsJsonl(*dir_ + "/det1.jsonl");
  const std::string model_sha = config::Sha256Hex(ReadAll(*dir_ + "/model.json"));
  int with_files = 0;
  for (const auto& [id, decision] : d) {
    for (const auto& b : decision.plugin_builds()) {
      if (b.detector() != "model_score") continue;
      ASSERT_EQ(b.files_size(), 1);
      EXPECT_EQ(b.files(0).param(), "model");
      EXPECT_EQ(b.files(0).path(), "model.json");
      EXPECT_EQ(b.files(0).sha256(), model_sha);
      ++with_files;
    }
  }
  EXPECT_GT(with_files, 0);
}

TEST_F(ModelE2eTest, FileParamErrorsAndVersionHash) {
  const std::string yaml = ReadAll(*dir_ + "/pipeline.yaml");
  auto first = LoadPipeline(yaml);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ((*first)->builds().size(), 1u);
  EXPECT_EQ((*first)->builds()[0].files(0).sha256(),
            config::Sha256Hex(ReadAll(*dir_ + "/model.json")));
  // Same bytes, same version; a changed file (same path), a new version.
  auto same = LoadPipeline(yaml);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)->version_hash(), (*first)->version_hash());
  const std::string bytes = ReadAll(*dir_ + "/model.json");
  {
    // Retrain with one more round: a different model under the same name.
    std::ostringstream out, err;
    auto o = cli::ParseTrainArgs({"--pipeline", *dir_ + "/pipeline.yaml",
                                  "--events", *dir_ + "/events.jsonl", "--out",
                                  *dir_ + "/model-b.json", "--rounds", "101"});
    ASSERT_TRUE(o.ok());
    ASSERT_EQ(cli::RunTrain(*o, out, err), 0) << err.str();
  }
  auto changed = LoadPipeline(
      absl::StrReplaceAll(yaml, {{"model: model.json", "model: model-b.json"}}));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_NE((*changed)->version_hash(), (*first)->version_hash());
  const std::string b_path = *dir_ + "/model-b.json";
  const std::string b_bytes = ReadAll(b_path);
  WriteAll(b_path, bytes);  // model-b.json now holds model.json's bytes
  auto rewritten = LoadPipeline(
      absl::StrReplaceAll(yaml, {{"model: model.json", "model: model-b.json"}}));
  ASSERT_TRUE(rewritten.ok());
  EXPECT_NE((*rewritten)->version_hash(), (*changed)->version_hash())
      << "the same path with other bytes must be another version";
  WriteAll(b_path, b_bytes);

  // Missing, too big, corrupt: refused at load, naming detector and path.
  auto missing = LoadPipeline(
      absl::StrReplaceAll(yaml, {{"model: model.json", "model: gone.json"}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("detector 'model_score' (plugin model_score): "
                        "parameter 'model': cannot read " +
                        *dir_ + "/gone.json (from \"gone.json\")"));
  WriteAll(*dir_ + "/huge.json", std::string((8 << 20) + 10, ' '));
  auto huge = LoadPipeline(
      absl::StrReplaceAll(yaml, {{"model: model.json", "model: huge.json"}}));
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(std::string(huge.status().message()),
              HasSubstr("8388618 bytes, limit 8388608"));
  WriteAll(*dir_ + "/corrupt.json", "{\"learner\":");
  auto corrupt = LoadPipeline(
      absl::StrReplaceAll(yaml, {{"model: model.json", "model: corrupt.json"}}));
  ASSERT_TRUE(corrupt.ok());  // the file reads; create() judges the model
  absl::Status created = (*corrupt)->TryCreate();
  EXPECT_THAT(std::string(created.message()),
              HasSubstr("not a loadable XGBoost model"));
  auto mismatch = LoadPipeline(absl::StrReplaceAll(
      yaml, {{"        - secs_since_last\n", ""}}));
  ASSERT_TRUE(mismatch.ok());
  EXPECT_THAT(std::string((*mismatch)->TryCreate().message()),
              HasSubstr("the model takes 28 features but 'features' declares "
                        "27"));
}

TEST_F(ModelE2eTest, RiskflowdScoresWithTheModelFromItsConfig) {
  const std::string data_dir = MakeTempDir("model-daemon");
  ASSERT_FALSE(data_dir.empty());
  // Relative model path: resolved next to --config.
  auto daemon = DaemonProcess::Start(
      RiskflowdPath(), data_dir,
      {"--shards=2", absl::StrCat("--config=", *dir_, "/pipeline.yaml")});
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  auto channel = MakeChannel((*daemon)->port());
  auto admin = v1::Admin::NewStub(channel);
  auto ingest = v1::Ingest::NewStub(channel);
  auto sinks = v1::Sinks::NewStub(channel);

  // The held-out accounts' events, complete, in stream order.
  std::vector<v1::Event> events;
  auto reader = replay::JsonlEventReader::Open(*dir_ + "/events.jsonl");
  ASSERT_TRUE(reader.ok());
  v1::Event e;
  while (*(*reader)->Next(&e)) {
    if (report::IsHeldOut(e.account_id(), kHoldoutPercent)) events.push_back(e);
  }
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE(PublishBatches(ingest.get(), Batches(events, 500), &acks).ok());
  ASSERT_TRUE(WaitProcessed(admin.get()).ok());

  // What the replay of the whole stream decided for the same accounts: an
  // account's features depend on its own events only.
  const std::string replay_out = *dir_ + "/daemon-expected.jsonl";
  ASSERT_TRUE(Replay(*dir_ + "/pipeline.yaml", replay_out, 1).ok());
  std::map<std::string, v1::Decision> replayed = ReadDecisionsJsonl(replay_out);
  std::map<std::string, std::string> expected;  // event id -> route + score
  for (const v1::Event& ev : events) {
    const v1::Decision& d = replayed.at(ev.event_id());
    if (d.route() == v1::PASS) continue;
    const v1::Annotation* a = FindAnnotation(d, "model_score");
    ASSERT_NE(a, nullptr);
    expected[ev.event_id()] = absl::StrCat(v1::Route_Name(d.route()), " ",
                                           EvidenceMap(*a).at("score"));
  }
  ASSERT_FALSE(expected.empty());
  std::map<std::string, std::string> live;
  for (v1::Route sink : {v1::FREEZE, v1::MANUAL_REVIEW}) {
    auto got = ReadSink(sinks.get(), sink);
    ASSERT_TRUE(got.ok()) << got.status();
    for (const v1::Decision& d : *got) {
      const v1::Annotation* a = FindAnnotation(d, "model_score");
      ASSERT_NE(a, nullptr) << d.event_id();
      live[d.event_id()] = absl::StrCat(v1::Route_Name(d.route()), " ",
                                        EvidenceMap(*a).at("score"));
    }
  }
  EXPECT_EQ(live, expected);

  // `riskflow plugins` data: the model file by path and hash.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::ListPluginsResponse plugins;
  ASSERT_TRUE(admin->ListPlugins(&ctx, v1::ListPluginsRequest(), &plugins).ok());
  ASSERT_EQ(plugins.plugins_size(), 1);
  ASSERT_EQ(plugins.plugins(0).files_size(), 1);
  EXPECT_EQ(plugins.plugins(0).files(0).sha256(),
            config::Sha256Hex(ReadAll(*dir_ + "/model.json")));
  EXPECT_THAT(plugins.plugins(0).values().at("model"),
              HasSubstr("model.json (sha256 "));

  // Reloads re-read the file, relative to --config's directory: the same
  // bytes are the same version; other bytes under another name a new one;
  // a corrupt model is refused and the running version stays.
  const std::string yaml = ReadAll(*dir_ + "/pipeline.yaml");
  auto reload = [&](const std::string& text, v1::ReloadPipelineResponse* r) {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::ReloadPipelineRequest req;
    req.set_yaml(text);
    req.set_source("model_e2e_test");
    return admin->ReloadPipeline(&c, req, r);
  };
  v1::ReloadPipelineResponse same;
  ASSERT_TRUE(reload(yaml, &same).ok());
  EXPECT_TRUE(same.unchanged());
  WriteAll(*dir_ + "/reload-model.json",
           ReadAll(*dir_ + "/model.json") + "\n");  // same model, other bytes
  v1::ReloadPipelineResponse next;
  grpc::Status switched = reload(
      absl::StrReplaceAll(yaml, {{"model: model.json",
                                  "model: reload-model.json"}}),
      &next);
  ASSERT_TRUE(switched.ok()) << switched.error_message();
  EXPECT_FALSE(next.unchanged());
  EXPECT_NE(next.pipeline().version_hash(), same.pipeline().version_hash());
  WriteAll(*dir_ + "/reload-corrupt.json", "{\"learner\": [");
  v1::ReloadPipelineResponse refused;
  grpc::Status corrupt = reload(
      absl::StrReplaceAll(yaml, {{"model: model.json",
                                  "model: reload-corrupt.json"}}),
      &refused);
  EXPECT_FALSE(corrupt.ok());
  EXPECT_THAT(corrupt.error_message(), HasSubstr("not a loadable XGBoost model"));
  EXPECT_THAT(corrupt.error_message(), HasSubstr("parameter 'model'"));
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::PipelineInfo running;
  ASSERT_TRUE(admin->GetPipeline(&c, v1::GetPipelineRequest(), &running).ok());
  EXPECT_EQ(running.version_hash(), next.pipeline().version_hash());
}

}  // namespace
}  // namespace riskflow::e2e
