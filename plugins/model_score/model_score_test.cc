// model_score through the fake host: the features mode's vectors, scoring
// with a model trained here, thresholds, and every load refusal (FILE
// parameter errors come from the same LoadFileParams riskflowd uses).
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/model_score/trainer.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow::model_score {
namespace {

using ::testing::HasSubstr;
using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d != nullptr ? d : "/tmp";
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string Evidence(const FakeAnnotation& a, const std::string& key) {
  for (const auto& [k, v] : a.evidence) {
    if (k == key) return v;
  }
  return "<none>";
}

FakeEvent Payout(const std::string& id, int64_t minor, int64_t t,
                 const std::string& currency = "CNY") {
  return FakeEvent().Id(id).Type(RF_EVENT_PAYOUT).Account("acct-1").At(t)
      .Amount(minor, currency).Counterparty("bene-" + id);
}

// One feature (amount_cny) and a rule the booster learns exactly: fraud
// above 1000 CNY.
std::string TrainAmountModel(size_t features = 1) {
  std::vector<float> rows, labels;
  for (int i = 0; i < 400; ++i) {
    float amount = static_cast<float>(i * 10);
    rows.push_back(amount);
    for (size_t f = 1; f < features; ++f) rows.push_back(1.0f);
    labels.push_back(amount > 1000 ? 1.0f : 0.0f);
  }
  TrainParams p;
  p.rounds = 30;
  p.eta = 0.3;
  std::string model, error;
  double spw = 0;
  EXPECT_TRUE(TrainBooster(rows, features, labels, p, &model, &spw, &error))
      << error;
  return model;
}

TEST(ModelScoreTest, FeaturesModeWritesTheVector) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"mode", "features"},
                           {"rates", "USD:7"},
                           {"features",
                            "amount_cny,count_all_1h,sum_cny_1h,"
                            "amount_cny/sum_cny_1h,new_counterparty_30d,"
                            "type_payout,cross_border"}})
                  .ok())
      << host.last_error();
  std::vector<FakeAnnotation> out;
  ASSERT_TRUE(host.Feed(Payout("e1", 10000, 1000), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "MODEL_FEATURES");
  EXPECT_EQ(Evidence(out[0], "f00"), "100");  // 100.00 CNY
  EXPECT_EQ(Evidence(out[0], "f01"), "1");
  EXPECT_EQ(Evidence(out[0], "f02"), "100");
  EXPECT_EQ(Evidence(out[0], "f03"), "1");
  EXPECT_EQ(Evidence(out[0], "f04"), "1");
  EXPECT_EQ(Evidence(out[0], "f05"), "1");
  ASSERT_TRUE(host.Feed(Payout("e2", 1000, 2000, "USD"), &out).ok());
  EXPECT_EQ(Evidence(out[0], "f00"), "70");  // 10 USD at 7
  EXPECT_EQ(Evidence(out[0], "f01"), "2");
  EXPECT_EQ(Evidence(out[0], "f02"), "170");
  EXPECT_EQ(Evidence(out[0], "f03"), "0.411764711");
  // A currency without a rate is a missing value, not a guess.
  ASSERT_TRUE(host.Feed(Payout("e3", 1000, 3000, "EUR"), &out).ok());
  EXPECT_EQ(Evidence(out[0], "f00"), "nan");
}

TEST(ModelScoreTest, BadFeatureNamesAreRefused) {
  for (const auto& [features, why] :
       std::vector<std::pair<std::string, std::string>>{
           {"amount_usd", "feature 'amount_usd': unknown feature"},
           {"count_payot_1h", "unknown event type 'payot'"},
           {"sum_cny_1x", "expected sum_cny_<window>"},
           {"amount_cny,amount_cny", "listed twice"},
           {"distinct_email_1h", "distinct_<counterparty|device|ip|country>"},
       }) {
    FakeHost host(riskflow_plugin_descriptor_v1());
    EXPECT_FALSE(host.Create({{"mode", "features"}, {"features", features}}).ok());
    EXPECT_THAT(host.last_error(), HasSubstr(why)) << features;
  }
}

TEST(ModelScoreTest, ScoresWithTheModelFileAndRoutesByThreshold) {
  const std::string dir = TempDir();
  WriteFile(dir + "/amount.json", TrainAmountModel());
  FakeHost host(riskflow_plugin_descriptor_v1());
  host.set_file_base_dir(dir);
  ASSERT_TRUE(host.Create({{"model", "amount.json"},
                           {"features", "amount_cny"},
                           {"freeze_above", "0.95"},
                           {"review_above", "0.7"}})
                  .ok())
      << host.last_error();
  std::vector<FakeAnnotation> out;
  ASSERT_TRUE(host.Feed(Payout("big", 300000, 1000), &out).ok())
      << host.last_error();  // 3000 CNY
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "MODEL_SCORE");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_FREEZE);
  EXPECT_GT(out[0].score, 0.95);
  EXPECT_EQ(Evidence(out[0], "amount_cny"), "3000");
  ASSERT_TRUE(host.Feed(Payout("small", 10000, 2000), &out).ok());  // 100 CNY
  EXPECT_TRUE(out.empty());
}

TEST(ModelScoreTest, ScoreAllAnnotatesBelowThresholdsWithPass) {
  const std::string dir = TempDir();
  WriteFile(dir + "/amount2.json", TrainAmountModel());
  FakeHost host(riskflow_plugin_descriptor_v1());
  ASSERT_TRUE(host.Create({{"model", dir + "/amount2.json"},
                           {"features", "amount_cny"},
                           {"score_all", "true"}})
                  .ok())
      << host.last_error();
  std::vector<FakeAnnotation> out;
  ASSERT_TRUE(host.Feed(Payout("small", 10000, 2000), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_PASS);
  EXPECT_LT(out[0].score, 0.5);
}

TEST(ModelScoreTest, LoadErrorsRefuseCreate) {
  const std::string dir = TempDir();
  struct Case {
    std::string file, bytes, features, why;
  };
  const std::vector<Case> cases = {
      {"corrupt.json", "{\"learner\": 42", "amount_cny",
       "parameter 'model': not a loadable XGBoost model"},
      {"empty.json", "", "amount_cny", "model file is empty"},
      {"two.json", TrainAmountModel(2), "amount_cny",
       "the model takes 2 features but 'features' declares 1"},
      {"big.json", std::string((8 << 20) + 1, ' '), "amount_cny",
       "8388609 bytes, limit 8388608"},
  };
  for (const Case& c : cases) {
    WriteFile(dir + "/" + c.file, c.bytes);
    FakeHost host(riskflow_plugin_descriptor_v1());
    host.set_file_base_dir(dir);
    EXPECT_FALSE(host.Create({{"model", c.file},
                              {"features", c.features},
                              {"review_above", "0.5"}})
                     .ok());
    EXPECT_THAT(host.last_error(), HasSubstr(c.why)) << c.file;
  }
  FakeHost missing(riskflow_plugin_descriptor_v1());
  missing.set_file_base_dir(dir);
  EXPECT_FALSE(missing.Create({{"model", "nope.json"},
                               {"features", "amount_cny"},
                               {"review_above", "0.5"}})
                   .ok());
  EXPECT_THAT(missing.last_error(),
              HasSubstr("parameter 'model': cannot read " + dir +
                        "/nope.json (from \"nope.json\"): No such file"));
  FakeHost no_model(riskflow_plugin_descriptor_v1());
  EXPECT_FALSE(no_model.Create({{"features", "amount_cny"},
                                {"review_above", "0.5"}})
                   .ok());
  EXPECT_THAT(no_model.last_error(), HasSubstr("required in mode score"));
  FakeHost directory(riskflow_plugin_descriptor_v1());
  EXPECT_FALSE(directory.Create({{"model", dir},
                                 {"features", "amount_cny"},
                                 {"review_above", "0.5"}})
                   .ok());
  EXPECT_THAT(directory.last_error(), HasSubstr("not a regular file"));
}

TEST(ModelScoreTest, TrainingIsDeterministic) {
  EXPECT_EQ(TrainAmountModel(), TrainAmountModel());
}

}  // namespace
}  // namespace riskflow::model_score
