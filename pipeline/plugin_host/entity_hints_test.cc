// Entity hints (ABI 1.3) in the host: EventHints' bounds and validation,
// and ShardDetectors::CollectHints over real plugins (velocity's sum
// entity, the test-only crashing plugin throwing from its hints).
#include "pipeline/plugin_host/entity_hints.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/plugin_host/crash_marker.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/plugin_output.h"
#include "pipeline/plugin_host/shard_detectors.h"
#include "pipeline/plugin_host/shard_detectors_test_util.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {
namespace {

using ::riskflow::testing::TestPluginSearchPath;
using ::testing::ElementsAre;

std::vector<std::string> Entities(const EventHints& h) {
  std::vector<std::string> out;
  for (size_t i = 0; i < h.size(); ++i) {
    out.emplace_back(h.entity(i));
    EXPECT_EQ(h.hash(i), state::ShardState::EntityHash(h.entity(i)));
  }
  return out;
}

void Hint(EventHints* h, const std::string& entity) {
  EventHints::HintEntity(h->sink(), rf_str{entity.data(), entity.size()});
}

TEST(EventHintsTest, KeepsDistinctEntitiesButNotTheAccountOrEmpty) {
  EventHints h;
  h.Clear("acct-1");
  h.BeginCall();
  Hint(&h, "acct-1|CNY");
  Hint(&h, "acct-1");  // the account: the shard prefetches it anyway
  Hint(&h, "");
  Hint(&h, "acct-1|CNY");  // a repeat
  h.BeginCall();
  Hint(&h, "acct-1|CNY");  // another detector's same entity
  Hint(&h, "acct-1\x1f" "CNY");
  EXPECT_THAT(Entities(h), ElementsAre("acct-1|CNY", "acct-1\x1f" "CNY"));
  EXPECT_EQ(h.ignored(), 0u);
  // A null pointer with a length is refused outright.
  EventHints::HintEntity(h.sink(), rf_str{nullptr, 5});
  EventHints::HintEntity(nullptr, rf_str{"x", 1});
  EXPECT_EQ(h.size(), 2u);
}

TEST(EventHintsTest, BoundsPerCallPerEventAndLength) {
  EventHints h;
  h.Clear("a");
  h.BeginCall();
  for (int i = 0; i < 10; ++i) Hint(&h, "e" + std::to_string(i));
  EXPECT_EQ(h.size(), EventHints::kMaxPerCall);
  EXPECT_EQ(h.ignored(), 10 - EventHints::kMaxPerCall);

  h.Clear("a");
  const uint64_t before = h.ignored();
  h.BeginCall();
  Hint(&h, std::string(kMaxStateKeyBytes + 1, 'x'));  // over the key limit
  Hint(&h, std::string(kMaxStateKeyBytes, 'y'));      // at it: kept
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.ignored(), before + 1);

  h.Clear("a");
  for (size_t call = 0; call < 10; ++call) {
    h.BeginCall();
    for (size_t k = 0; k < EventHints::kMaxPerCall; ++k) {
      Hint(&h, "c" + std::to_string(call) + "-" + std::to_string(k));
    }
  }
  EXPECT_EQ(h.size(), EventHints::kMaxPerEvent);
}

TEST(EventHintsTest, AFailedCallsHintsAreDroppedAndClearReuses) {
  EventHints h;
  h.Clear("a");
  h.BeginCall();
  Hint(&h, "kept");
  h.BeginCall();
  Hint(&h, "dropped-1");
  Hint(&h, "dropped-2");
  h.DropCall();
  h.BeginCall();
  Hint(&h, "later");
  EXPECT_THAT(Entities(h), ElementsAre("kept", "later"));
  h.Clear("b");
  EXPECT_EQ(h.size(), 0u);
  h.BeginCall();
  Hint(&h, "a");  // no longer the account
  EXPECT_THAT(Entities(h), ElementsAre("a"));
}

log::LoggedEvent Payment(uint64_t sequence, const std::string& currency,
                         bool crash = false) {
  log::LoggedEvent e;
  e.sequence = sequence;
  e.event.set_event_id("ev-" + std::to_string(sequence));
  e.event.set_channel_id("card");
  e.event.set_type(riskflow::v1::PAYMENT);
  e.event.set_event_time_ms(1'700'000'000'000 + 1000 * sequence);
  e.event.set_account_id("acct-1");
  e.event.set_amount_minor(1000);
  e.event.set_currency(currency);
  if (crash) (*e.event.mutable_attributes())["crash"] = "1";
  return e;
}

// Two velocity detectors, each summing CNY: slot 0 and slot 1.
riskflow::v1::PipelineConfig TwoVelocities() {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "vel_a", "velocity",
              {{"max_events", "100"}, {"sum_limits", "1h:CNY:5000000"}});
  AddDetector(&config, "vel_b", "velocity",
              {{"max_events", "100"}, {"sum_limits", "1h:CNY:9000000"}});
  return config;
}

TEST(CollectHintsTest, VelocityHintsItsSumEntityOnlyForASummedCurrency) {
  auto pipeline = MustLoad(TwoVelocities());
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  ASSERT_TRUE(shard->detectors->has_hints());
  EventHints h;
  shard->detectors->CollectHints(Payment(1, "CNY"), 0, 0, &h);
  // The account itself is dropped; both detectors' sum entity is one.
  EXPECT_THAT(Entities(h), ElementsAre("acct-1|CNY"));
  shard->detectors->CollectHints(Payment(2, "USD"), 0, 0, &h);
  EXPECT_TRUE(Entities(h).empty());
  // Hints touch no state: nothing is cached.
  EXPECT_EQ(shard->state->stats().records, 0u);
}

TEST(CollectHintsTest, AnInstanceThatDeclinesIsNotAskedAgain) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "vel", "velocity", {{"max_events", "100"}});
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  ASSERT_TRUE(shard->detectors->has_hints());
  EventHints h;
  shard->detectors->CollectHints(Payment(1, "CNY"), 0, 0, &h);
  EXPECT_TRUE(Entities(h).empty());
  EXPECT_FALSE(shard->detectors->has_hints());
}

TEST(CollectHintsTest, OnlyTheDetectorsThatRunHereAreAsked) {
  auto pipeline = MustLoad(TwoVelocities());
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  EventHints h;
  // Both remote: nothing asked. A stage item for slot 1 only: asked.
  shard->detectors->CollectHints(Payment(1, "CNY"), 0, 0b11, &h);
  EXPECT_TRUE(Entities(h).empty());
  shard->detectors->CollectHints(Payment(1, "CNY"), 0b10, 0, &h);
  EXPECT_THAT(Entities(h), ElementsAre("acct-1|CNY"));
  // Quarantined detectors are not asked.
  pipeline->detectors()[0]->SetQuarantine("test");
  pipeline->detectors()[1]->SetQuarantine("test");
  shard->detectors->CollectHints(Payment(1, "CNY"), 0, 0, &h);
  EXPECT_TRUE(Entities(h).empty());
}

TEST(CollectHintsTest, AThrowingHintStopsItsHintsButIsNoFault) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "crashy", "crashing", {{"mode", "throw"},
                                              {"in", "hints"}});
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  auto marker = CrashMarker::Open(shard->dir.path() + "/hints.marker");
  ASSERT_TRUE(marker.ok()) << marker.status();
  shard->detectors->SetFaultContainment(marker->get(), nullptr);
  ASSERT_TRUE(shard->detectors->has_hints());
  EventHints h;
  shard->detectors->BeginHintBatch();
  shard->detectors->CollectHints(Payment(1, "CNY"), 0, 0, &h);
  EXPECT_TRUE(shard->detectors->has_hints());  // no crash=1 yet
  shard->detectors->CollectHints(Payment(2, "CNY", /*crash=*/true), 0, 0, &h);
  EXPECT_FALSE(shard->detectors->has_hints());
  // The marker says no call is running, and the detector is neither
  // faulted nor quarantined: its on_event still runs.
  EXPECT_EQ((*marker)->Read().start_ns, 0);
  const DetectorSlot& slot = *pipeline->detectors()[0];
  EXPECT_FALSE(slot.quarantined.load());
  EXPECT_EQ(slot.faults.load(), 0u);
  riskflow::v1::Decision d;
  shard->detectors->Run(Payment(2, "CNY", /*crash=*/true), &d);
  EXPECT_EQ(d.annotations_size(), 0) << d.DebugString();
}

TEST(CollectHintsTest, ACrashInAHintNamesTheDetectorLikeOnEvent) {
  riskflow::v1::PipelineConfig config;
  AddDetector(&config, "crashy", "crashing", {{"mode", "segv"},
                                              {"in", "hints"}});
  auto pipeline = MustLoad(config);
  ASSERT_NE(pipeline, nullptr);
  auto shard = NewTestShard(pipeline.get());
  ASSERT_NE(shard, nullptr);
  const std::string path = shard->dir.path() + "/s-0.marker";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // As a shard thread: marker attached, signal handlers installed.
    auto marker = CrashMarker::Open(path);
    if (!marker.ok()) _exit(3);
    CrashMarker::InstallSignalHandlers();
    (*marker)->AttachThread();
    shard->detectors->SetFaultContainment(marker->get(), nullptr);
    EventHints h;
    shard->detectors->BeginHintBatch();
    shard->detectors->CollectHints(Payment(6, "CNY"), 0, 0, &h);
    shard->detectors->CollectHints(Payment(7, "CNY", /*crash=*/true), 0, 0,
                                   &h);
    _exit(4);  // not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
  // What the next start reads to quarantine the detector
  // (QuarantineStore::QuarantineFromMarkers), as for a crash in on_event.
  std::optional<MarkerState> m = CrashMarker::ReadFile(path);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->detector, "crashy");
  EXPECT_EQ(m->sequence, 7u);
  EXPECT_EQ(m->crash_signal, SIGSEGV);
  EXPECT_NE(m->start_ns, 0);
}

}  // namespace
}  // namespace riskflow::plugin_host
