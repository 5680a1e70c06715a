#include "pipeline/metrics/registry.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/metrics/exposition.h"
#include "pipeline/metrics/exposition_parser.h"

namespace riskflow::metrics {
namespace {

using ::testing::HasSubstr;

TEST(Escape, LabelValues) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeHelp("x\\y\nz\"q"), "x\\\\y\\nz\"q");
}

TEST(Names, ValidAndInvalid) {
  EXPECT_TRUE(IsValidMetricName("riskflow_up"));
  EXPECT_TRUE(IsValidMetricName("a:b_1"));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("detector"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
}

TEST(Registry, RendersCountersGaugesAndHistograms) {
  Registry r;
  r.GetCounter("rf_events_total", "Events.", {{"result", "accepted"}})->Add(3);
  r.GetCounter("rf_events_total", "Events.", {{"result", "rejected"}})->Add();
  r.GetGauge("rf_free_bytes", "Free bytes.")->Set(-5);
  Histogram* h = r.GetHistogram("rf_latency_us", "Latency.", {10, 100},
                                {{"detector", "velocity"}});
  h->Observe(5);
  h->Observe(10);
  h->Observe(50);
  h->Observe(1000);
  EXPECT_EQ(r.Render(),
            "# HELP rf_events_total Events.\n"
            "# TYPE rf_events_total counter\n"
            "rf_events_total{result=\"accepted\"} 3\n"
            "rf_events_total{result=\"rejected\"} 1\n"
            "# HELP rf_free_bytes Free bytes.\n"
            "# TYPE rf_free_bytes gauge\n"
            "rf_free_bytes -5\n"
            "# HELP rf_latency_us Latency.\n"
            "# TYPE rf_latency_us histogram\n"
            "rf_latency_us_bucket{detector=\"velocity\",le=\"10\"} 2\n"
            "rf_latency_us_bucket{detector=\"velocity\",le=\"100\"} 3\n"
            "rf_latency_us_bucket{detector=\"velocity\",le=\"+Inf\"} 4\n"
            "rf_latency_us_sum{detector=\"velocity\"} 1065\n"
            "rf_latency_us_count{detector=\"velocity\"} 4\n");
}

TEST(Registry, SameNameAndLabelsIsTheSameMetric) {
  Registry r;
  Counter* a = r.GetCounter("c_total", "h", {{"k", "v"}});
  Counter* b = r.GetCounter("c_total", "h", {{"k", "v"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, r.GetCounter("c_total", "h", {{"k", "w"}}));
}

TEST(Registry, TypeMismatchIsNotExported) {
  Registry r;
  r.GetCounter("x_total", "h")->Add();
  Gauge* g = r.GetGauge("x_total", "h");
  ASSERT_NE(g, nullptr);
  g->Set(7);  // usable, never rendered
  EXPECT_THAT(r.Render(), ::testing::Not(HasSubstr(" 7\n")));
  EXPECT_NE(r.GetCounter("bad-name", "h"), nullptr);
  EXPECT_THAT(r.Render(), ::testing::Not(HasSubstr("bad-name")));
}

TEST(Registry, HostileLabelValuesStillParse) {
  Registry r;
  const std::string nasty = "evil\"} 1\nriskflow_up 0\n\\";
  r.GetCounter("rf_faults_total", "Faults.", {{"detector", nasty}})->Add(2);
  absl::StatusOr<ParsedExposition> parsed = ParseExposition(r.Render());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->samples.size(), 1u);
  EXPECT_EQ(parsed->samples[0].labels.at("detector"), nasty);
  EXPECT_EQ(parsed->samples[0].value, 2);
  EXPECT_EQ(parsed->types.at("rf_faults_total"), "counter");
}

TEST(Registry, CollectorsRunAtEveryScrapeUntilRemoved) {
  Registry r;
  int calls = 0;
  int id = r.AddCollector([&calls](TextWriter& w) {
    ++calls;
    w.Family("rf_lag", "Lag.", "gauge");
    w.Sample("rf_lag", {{"shard", "0"}}, int64_t{calls});
  });
  EXPECT_THAT(r.Render(), HasSubstr("rf_lag{shard=\"0\"} 1\n"));
  EXPECT_THAT(r.Render(), HasSubstr("rf_lag{shard=\"0\"} 2\n"));
  r.RemoveCollector(id);
  EXPECT_EQ(r.Render(), "");
  EXPECT_EQ(calls, 2);
}

TEST(Histogram, ConcurrentObserversLoseNothing) {
  Histogram h(LatencyBucketsMicros());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 100000; ++i) h.Observe((i + t) % 3000);
    });
  }
  for (auto& t : threads) t.join();
  Histogram::Snapshot s = h.Snap();
  EXPECT_EQ(s.count, 800000u);
  EXPECT_EQ(s.counts.size(), LatencyBucketsMicros().size() + 1);
  int64_t expected_sum = 0;
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 100000; ++i) expected_sum += (i + t) % 3000;
  }
  EXPECT_EQ(s.sum, expected_sum);
}

TEST(Histogram, LocalObservationsArriveWhenAddedAndOnlyOnce) {
  Histogram h({1, 2});
  Histogram::Local local;
  local.Observe(h, 1);
  local.Observe(h, 2);
  local.Observe(h, 3);
  local.Observe(h, -4);
  EXPECT_EQ(h.Snap().count, 0u);  // nothing until AddTo
  local.AddTo(&h);
  Histogram::Snapshot s = h.Snap();
  EXPECT_EQ(s.counts, (std::vector<uint64_t>{2, 1, 1}));
  EXPECT_EQ(s.sum, 2);
  local.AddTo(&h);  // nothing new
  local.Observe(h, 2);
  local.AddTo(&h);
  s = h.Snap();
  EXPECT_EQ(s.counts, (std::vector<uint64_t>{2, 2, 1}));
  EXPECT_EQ(s.sum, 4);
}

TEST(Histogram, BoundsAreInclusiveAndOverflowGoesToInf) {
  Histogram h({1, 2});
  h.Observe(1);
  h.Observe(2);
  h.Observe(3);
  h.Observe(-4);
  Histogram::Snapshot s = h.Snap();
  EXPECT_EQ(s.counts, (std::vector<uint64_t>{2, 1, 1}));
}

TEST(Histogram, QuantileOfWhatWasCountedSinceASnapshot) {
  Histogram h({100, 200, 500});
  for (int i = 0; i < 50; ++i) h.Observe(1000);  // before: not counted
  Histogram::Snapshot before = h.Snap();
  for (int i = 0; i < 98; ++i) h.Observe(50);
  h.Observe(150);
  h.Observe(400);
  Histogram::Snapshot since = Since(h.Snap(), before);
  EXPECT_EQ(since.count, 100u);
  EXPECT_EQ(QuantileUpperBound(since, 0.5), 100);
  EXPECT_EQ(QuantileUpperBound(since, 0.98), 100);
  EXPECT_EQ(QuantileUpperBound(since, 0.99), 200);
  EXPECT_EQ(QuantileUpperBound(since, 1.0), 500);
  // Without the subtraction the 50 slow ones make the p99 overflow.
  EXPECT_EQ(QuantileUpperBound(h.Snap(), 0.99), -1);
  EXPECT_EQ(QuantileUpperBound(Since(before, before), 0.5), 0);
}

TEST(Parser, RejectsWhatIsNotTheFormat) {
  EXPECT_FALSE(ParseExposition("a b c d\n").ok());
  EXPECT_FALSE(ParseExposition("m{l=\"x} 1\n").ok());
  EXPECT_FALSE(ParseExposition("m{l=x} 1\n").ok());
  EXPECT_FALSE(ParseExposition("m 1").ok());  // no final newline
  EXPECT_FALSE(ParseExposition("m one\n").ok());
  EXPECT_FALSE(ParseExposition("9m 1\n").ok());
  EXPECT_TRUE(ParseExposition("# anything\nm{a=\"1\",b=\"\\\\\"} +Inf 123\n")
                  .ok());
}

}  // namespace
}  // namespace riskflow::metrics
