// A plugin that hands back invalid UTF-8 and oversized strings, run by the
// real daemon: every sink keeps flowing past its events (issue 8: one such
// string once made Subscribe fail with DATA_LOSS for ever), decision
// look-ups work, and each refused annotation is there as a degraded
// INVALID_PLUGIN_OUTPUT fault. Also: an outbox entry an older build wrote
// with invalid UTF-8 no longer blocks its sink after an upgrade.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/sinks/sink_entry.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/text/utf8.h"
#include "tests/decisions.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

namespace v1 = ::riskflow::v1;
using ::testing::HasSubstr;

// `bad` freezes clean events and fails (MANUAL_REVIEW) on bad output;
// `bad_notify` runs the same plugin with route NOTIFY, so every event also
// reaches the NOTIFY sink. All three sinks carry bad events' decisions.
// Account holds off: `bad` freezes every clean event, so with holds (the
// default) its five accounts would be held after their first clean event
// and the plugin would never see the rest of the bad strings this test is
// about.
constexpr char kPipeline[] = R"(name: plugin-output-e2e
shards: 2
account_holds: false
detectors:
  - name: bad
    plugin: testing/bad_output/libbad_output.so
    on_error: MANUAL_REVIEW
    time_budget: 10s
  - name: bad_notify
    plugin: testing/bad_output/libbad_output.so
    route: NOTIFY
    on_error: NOTIFY
    time_budget: 10s
)";

const std::vector<std::string> kModes = {
    "",          "utf8_reason", "utf8_message", "utf8_evidence",
    "",          "long_reason", "long_message", "many_evidence",
    "nan_score", "utf8_error",  "utf8_log",     "many_annot",
    ""};

v1::Event EventFor(size_t i) {
  v1::Event e = Payment(absl::StrCat("po-", i), absl::StrCat("acct-", i % 5),
                        "merch", 1000 + i, "EUR", kT0 + i * kSecond);
  if (!kModes[i].empty()) (*e.mutable_attributes())["bad"] = kModes[i];
  return e;
}

bool AllTextValid(const v1::Decision& d) {
  std::string bytes;
  v1::Decision back;
  return d.SerializeToString(&bytes) && back.ParseFromString(bytes);
}

TEST(PluginOutputE2eTest, BadPluginStringsNeverBlockSinksOrLookups) {
  TestDaemonOptions options;
  options.pipeline_yaml = kPipeline;
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  // Three rounds with the same modes, so good events follow bad ones in
  // every sink.
  std::vector<v1::Event> events;
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < kModes.size(); ++i) {
      v1::Event e = EventFor(i);
      e.set_event_id(absl::StrCat(e.event_id(), "-r", round));
      e.set_event_time_ms(e.event_time_ms() + round * kMinute);
      events.push_back(e);
    }
  }
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE((*daemon)->Publish(Batches(events, 7), &acks).ok());
  ASSERT_TRUE((*daemon)->WaitProcessed().ok());

  // Every event reached NOTIFY (bad_notify), and each one either FREEZE
  // (clean) or MANUAL_REVIEW (refused output) through `bad`.
  size_t clean = 0;
  for (const v1::Event& e : events) {
    clean += e.attributes().count("bad") == 0 ||
                     e.attributes().at("bad") == "utf8_log" ||
                     e.attributes().at("bad") == "many_annot"
                 ? 1
                 : 0;
  }
  std::map<v1::Route, std::vector<v1::Decision>> sinks;
  for (v1::Route sink : {v1::FREEZE, v1::MANUAL_REVIEW, v1::NOTIFY}) {
    auto read = (*daemon)->ReadSink(sink);
    ASSERT_TRUE(read.ok()) << v1::Route_Name(sink) << ": " << read.status();
    sinks[sink] = *read;
    for (const v1::Decision& d : *read) EXPECT_TRUE(AllTextValid(d));
  }
  EXPECT_EQ(sinks[v1::NOTIFY].size(), events.size());
  EXPECT_EQ(sinks[v1::FREEZE].size(), clean);
  // many_annot: 16 GOOD annotations plus one fault -> FREEZE and REVIEW.
  EXPECT_EQ(sinks[v1::MANUAL_REVIEW].size(), events.size() - clean + 3);

  // Each refused output is one degraded fault annotation naming the field.
  std::map<std::string, std::string> why = {
      {"utf8_reason", "reason_code: invalid UTF-8"},
      {"utf8_message", "message: invalid UTF-8"},
      {"utf8_evidence", "evidence[0].value: invalid UTF-8"},
      {"long_reason", "reason_code: 65 bytes, limit 64"},
      {"long_message", "message: 5000 bytes, limit 1024"},
      {"many_evidence", "evidence: 100 entries, limit 32"},
      {"nan_score", "score: not a finite number"},
      {"many_annot", "more than 16 annotations"},
  };
  std::map<std::string, int> seen;
  for (const v1::Decision& d : sinks[v1::MANUAL_REVIEW]) {
    const v1::Annotation* a = FindAnnotation(d, "bad");
    ASSERT_NE(a, nullptr) << d.ShortDebugString();
    if (a->reason_code() == "DETECTOR_ERROR") {
      EXPECT_THAT(a->message(), HasSubstr("failed: bad"));
      EXPECT_TRUE(text::IsValidUtf8(a->message()));
      EXPECT_THAT(a->message(), ::testing::Not(HasSubstr("\n")));
      ++seen["utf8_error"];
      continue;
    }
    bool matched = false;
    for (const v1::Annotation& x : d.annotations()) {
      if (x.detector() != "bad" || x.reason_code() != "INVALID_PLUGIN_OUTPUT") {
        continue;
      }
      EXPECT_TRUE(x.degraded());
      EXPECT_EQ(x.route(), v1::MANUAL_REVIEW);
      for (const auto& [m, text] : why) {
        if (x.message().find(text) != std::string::npos) {
          ++seen[m];
          matched = true;
        }
      }
    }
    EXPECT_TRUE(matched) << d.ShortDebugString();
  }
  for (const auto& [m, text] : why) EXPECT_EQ(seen[m], 3) << m;
  EXPECT_EQ(seen["utf8_error"], 3);

  // Look-ups: a re-sent event answers with its stored decision.
  for (const v1::Event& e : events) {
    v1::EvaluateResponse r;
    grpc::Status s = (*daemon)->Evaluate(e, &r);
    ASSERT_TRUE(s.ok()) << e.event_id() << ": " << s.error_message();
    EXPECT_TRUE(r.duplicate());
    EXPECT_NE(FindAnnotation(r.decision(), "bad"), nullptr) << e.event_id();
  }
  auto plugins = (*daemon)->Plugins();
  ASSERT_TRUE(plugins.ok());
  EXPECT_EQ(plugins->plugins(0).faults(), 3u * (why.size() + 1));
}

// A store an older build wrote: an outbox entry with invalid UTF-8 (what
// proto3 serializes but refuses to parse). After the upgrade the FREEZE
// sink reads past it (repaired, marked) and keeps flowing.
TEST(PluginOutputE2eTest, LegacyUnreadableEntryNoLongerBlocksTheSink) {
  TestDaemonOptions options;
  options.pipeline_yaml = kPipeline;
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  ASSERT_TRUE((*daemon)->PublishOne(1, {EventFor(0)}).ok());
  ASSERT_TRUE((*daemon)->WaitProcessed().ok());
  (*daemon)->Shutdown();
  {
    auto store = state::OpenStateStore((*daemon)->data_dir() + "/engine",
                                       storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    v1::Decision legacy;
    legacy.set_decision_id("e2e-channel/legacy");
    legacy.add_routes(v1::FREEZE);
    legacy.set_route(v1::FREEZE);
    v1::Annotation* a = legacy.add_annotations();
    a->set_detector("bad");
    a->set_reason_code("BAD\xff");
    std::string bytes;
    legacy.SerializeToString(&bytes);
    rocksdb::WriteBatch batch;
    batch.Put((*store)->handle(storage::Cf::kOutbox),
              sinks::OutboxKey(v1::FREEZE, 2), bytes);
    ASSERT_TRUE((*store)->Write(&batch, true).ok());
  }
  ASSERT_TRUE((*daemon)->Restart().ok());
  v1::Event next = EventFor(4);
  next.set_event_id("po-after");
  ASSERT_TRUE((*daemon)->PublishOne(2, {next}).ok());
  ASSERT_TRUE((*daemon)->WaitProcessed().ok());
  auto read = (*daemon)->ReadSink(v1::FREEZE);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 3u);
  EXPECT_EQ((*read)[1].decision_id(), "e2e-channel/legacy");
  EXPECT_EQ((*read)[1].annotations(1).reason_code(), sinks::kEntryRepaired);
  EXPECT_EQ((*read)[2].event_id(), "po-after");
  EXPECT_EQ((*read)[2].sink_sequence(), 3u);
}

}  // namespace
}  // namespace riskflow::e2e
