// Plugin output is checked like client input: the test-only bad_output
// plugin, loaded by the real host over a real store, hands back each kind
// of refused output; none of its bytes reach the decision, which always
// serializes and parses back.
#include "pipeline/plugin_host/plugin_output.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/plugin_host/host_context.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/shard_detectors.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "pipeline/text/utf8.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {
namespace {

using ::riskflow::testing::TestPluginSearchPath;
using ::testing::HasSubstr;
using ::testing::Not;

rf_str S(const std::string& s) { return rf_str{s.data(), s.size()}; }

rf_annotation Raw(const std::string& reason, const std::string& message) {
  rf_annotation a{};
  a.struct_size = sizeof(a);
  a.score = 0.5;
  a.reason_code = S(reason);
  a.message = S(message);
  return a;
}

TEST(FinishCallTest, AnnotationsAreReusedAcrossCallsAndStartEmpty) {
  // An annotating detector must not allocate (and destroy) an annotation
  // and its evidence on every event: the call keeps its elements, and
  // each new one starts empty whatever it held before.
  CallContext call;
  riskflow::v1::Annotation& a = call.NewAnnotation();
  a.set_reason_code("FIRST");
  a.add_evidence()->set_key("k");
  riskflow::v1::Decision d1;
  EXPECT_FALSE(FinishCall(&call, &d1));
  ASSERT_EQ(d1.annotations_size(), 1);
  EXPECT_EQ(d1.annotations(0).reason_code(), "FIRST");
  EXPECT_EQ(d1.annotations(0).evidence_size(), 1);
  EXPECT_EQ(call.annotation_count, 0u);
  ASSERT_EQ(call.annotations.size(), 1u);  // kept for the next call

  // The decision, recycled the way the shard does (Clear keeps its
  // elements), swaps its empty one back.
  d1.Clear();
  call.annotations[0].set_message("stale");  // whatever it holds
  riskflow::v1::Annotation* kept = &call.annotations[0];
  riskflow::v1::Annotation& b = call.NewAnnotation();
  EXPECT_EQ(&b, kept);
  EXPECT_EQ(b.message(), "");
  EXPECT_EQ(b.evidence_size(), 0);
  b.set_reason_code("SECOND");
  EXPECT_FALSE(FinishCall(&call, &d1));
  ASSERT_EQ(d1.annotations_size(), 1);
  EXPECT_EQ(d1.annotations(0).reason_code(), "SECOND");
  EXPECT_EQ(d1.annotations(0).message(), "");
  EXPECT_EQ(d1.annotations(0).evidence_size(), 0);
  EXPECT_EQ(call.annotations.size(), 1u);
}

TEST(CheckAnnotationTest, LimitsAreInclusive) {
  const std::string reason64(64, 'R'), reason65(65, 'R');
  EXPECT_TRUE(CheckAnnotation(Raw(reason64, "m")).ok());
  absl::Status s = CheckAnnotation(Raw(reason65, "m"));
  EXPECT_THAT(s.message(), HasSubstr("reason_code: 65 bytes, limit 64"));
  EXPECT_TRUE(CheckAnnotation(Raw("R", std::string(1024, 'm'))).ok());
  EXPECT_THAT(CheckAnnotation(Raw("R", std::string(1025, 'm'))).message(),
              HasSubstr("message: 1025 bytes, limit 1024"));
}

TEST(CheckAnnotationTest, NamesTheEvidenceEntry) {
  const std::string good = "v", bad = "x\xC3";
  std::vector<rf_kv> kv = {{S(good), S(good)}, {S(good), S(bad)}};
  rf_annotation a = Raw("R", "m");
  a.evidence = kv.data();
  a.evidence_count = kv.size();
  EXPECT_THAT(CheckAnnotation(a).message(),
              HasSubstr("evidence[1].value: invalid UTF-8 at byte 1"));
  std::vector<rf_kv> many(33, rf_kv{S(good), S(good)});
  a.evidence = many.data();
  a.evidence_count = many.size();
  EXPECT_THAT(CheckAnnotation(a).message(),
              HasSubstr("evidence: 33 entries, limit 32"));
  // 32 entries of 64 + 256 bytes = 10240 > 8 KiB in total.
  const std::string k64(64, 'k'), v256(256, 'v');
  std::vector<rf_kv> big(32, rf_kv{S(k64), S(v256)});
  a.evidence = big.data();
  a.evidence_count = big.size();
  EXPECT_THAT(CheckAnnotation(a).message(),
              HasSubstr("bytes of text, limit 8192"));
}

TEST(CheckAnnotationTest, RefusesNonFiniteScore) {
  rf_annotation a = Raw("R", "m");
  a.score = std::nan("");
  EXPECT_FALSE(CheckAnnotation(a).ok());
  a.score = INFINITY;
  EXPECT_FALSE(CheckAnnotation(a).ok());
}

// The real host over a temp store, one bad_output detector.
class BadOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    riskflow::v1::PipelineConfig config;
    riskflow::v1::DetectorConfig* d = config.add_detectors();
    d->set_name("bad");
    d->set_plugin("bad_output");
    d->set_on_error(riskflow::v1::MANUAL_REVIEW);
    d->set_time_budget_us(60'000'000);
    auto pipeline = Pipeline::Load(config, TestPluginSearchPath());
    ASSERT_TRUE(pipeline.ok()) << pipeline.status();
    pipeline_ = std::move(*pipeline);
    storage::StoreOptions opts;
    opts.block_cache_bytes = 8 << 20;
    opts.write_buffer_bytes = 8 << 20;
    auto store = state::OpenStateStore(dir_.path(), opts);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    state_ = std::make_unique<state::ShardState>(store_.get(), 1000, 0);
    auto detectors = pipeline_->Instantiate(state_.get(), store_.get());
    ASSERT_TRUE(detectors.ok()) << detectors.status();
    detectors_ = std::move(*detectors);
  }

  riskflow::v1::Decision Run(const std::string& mode, int64_t amount = 100) {
    log::LoggedEvent e;
    e.sequence = ++sequence_;
    e.event.set_event_id("ev-" + std::to_string(sequence_));
    e.event.set_channel_id("card");
    e.event.set_type(riskflow::v1::PAYMENT);
    e.event.set_event_time_ms(1'700'000'000'000 + sequence_);
    e.event.set_account_id("acct-1");
    e.event.set_amount_minor(amount);
    e.event.set_currency("EUR");
    if (!mode.empty()) (*e.event.mutable_attributes())["bad"] = mode;
    riskflow::v1::Decision d;
    detectors_->Run(e, &d);
    // Whatever the plugin did, the decision is storable and readable.
    std::string bytes;
    EXPECT_TRUE(d.SerializeToString(&bytes));
    riskflow::v1::Decision back;
    EXPECT_TRUE(back.ParseFromString(bytes)) << mode;
    return d;
  }

  uint64_t faults() const {
    return pipeline_->detectors()[0]->faults.load();
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::ShardState> state_;
  std::unique_ptr<ShardDetectors> detectors_;
  uint64_t sequence_ = 0;
};

TEST_F(BadOutputTest, EachRefusedAnnotationBecomesOneFaultAnnotation) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"utf8_reason", "reason_code: invalid UTF-8"},
      {"utf8_message", "message: invalid UTF-8"},
      {"utf8_evidence", "evidence[0].value: invalid UTF-8"},
      {"long_reason", "reason_code: 65 bytes, limit 64"},
      {"long_message", "message: 5000 bytes, limit 1024"},
      {"many_evidence", "evidence: 100 entries, limit 32"},
      {"nan_score", "score: not a finite number"},
  };
  uint64_t expected_faults = 0;
  for (const auto& [mode, why] : cases) {
    SCOPED_TRACE(mode);
    riskflow::v1::Decision d = Run(mode);
    ASSERT_EQ(d.annotations_size(), 1);
    const riskflow::v1::Annotation& a = d.annotations(0);
    EXPECT_EQ(a.detector(), "bad");
    EXPECT_EQ(a.reason_code(), kInvalidPluginOutput);
    EXPECT_TRUE(a.degraded());
    EXPECT_EQ(a.route(), riskflow::v1::MANUAL_REVIEW);  // on_error
    EXPECT_THAT(a.message(), HasSubstr(why));
    EXPECT_EQ(a.evidence_size(), 0);
    EXPECT_EQ(faults(), ++expected_faults);
  }
  // A valid call resets nothing it should not and keeps its annotation.
  riskflow::v1::Decision good = Run("");
  ASSERT_EQ(good.annotations_size(), 1);
  EXPECT_EQ(good.annotations(0).reason_code(), "GOOD");
  EXPECT_EQ(faults(), expected_faults);
  EXPECT_EQ(pipeline_->detectors()[0]->consecutive_faults.load(), 0u);
}

TEST_F(BadOutputTest, TooManyAnnotationsKeepsTheFirstAndAddsOneFault) {
  riskflow::v1::Decision d = Run("many_annot");
  ASSERT_EQ(d.annotations_size(), static_cast<int>(kMaxAnnotationsPerCall) + 1);
  int faults_seen = 0;
  for (const auto& a : d.annotations()) {
    if (a.reason_code() == kInvalidPluginOutput) {
      ++faults_seen;
      EXPECT_THAT(a.message(), HasSubstr("more than 16 annotations"));
    } else {
      EXPECT_EQ(a.reason_code(), "GOOD");
    }
  }
  EXPECT_EQ(faults_seen, 1);
  EXPECT_EQ(faults(), 1u);
}

TEST_F(BadOutputTest, ErrorTextIsCleaned) {
  riskflow::v1::Decision d = Run("utf8_error");
  ASSERT_EQ(d.annotations_size(), 1);
  const std::string& message = d.annotations(0).message();
  EXPECT_EQ(d.annotations(0).reason_code(), "DETECTOR_ERROR");
  EXPECT_TRUE(text::IsValidUtf8(message));
  EXPECT_THAT(message, Not(HasSubstr("\n")));
  EXPECT_THAT(message, HasSubstr("failed: bad"));
}

TEST_F(BadOutputTest, LogLinesAreCleanedAndTheCallSucceeds) {
  riskflow::v1::Decision d = Run("utf8_log");
  ASSERT_EQ(d.annotations_size(), 1);
  EXPECT_EQ(d.annotations(0).reason_code(), "GOOD");
  EXPECT_EQ(faults(), 0u);
}

TEST_F(BadOutputTest, SaturatedSumIsFlaggedNotWrapped) {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  riskflow::v1::Decision first = Run("sum_max", kMax);
  ASSERT_EQ(first.annotations_size(), 1);
  riskflow::v1::Decision second = Run("sum_max", kMax);
  ASSERT_EQ(second.annotations_size(), 1);
  const riskflow::v1::Annotation& a = second.annotations(0);
  EXPECT_EQ(a.reason_code(), "SUM");
  ASSERT_EQ(a.evidence_size(), 2);
  EXPECT_EQ(a.evidence(0).value(), std::to_string(kMax));
  EXPECT_EQ(a.evidence(1).key(), "sum_saturated");
  EXPECT_EQ(a.evidence(1).value(), "amounts");
}

}  // namespace
}  // namespace riskflow::plugin_host
