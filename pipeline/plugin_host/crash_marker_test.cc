// CrashMarker and QuarantineStore::QuarantineFromMarkers: what a dead
// process's markers mean at the next start. The crashes are real: a forked
// child attaches a marker and dies of a real SIGSEGV or SIGKILL.
#include "pipeline/plugin_host/crash_marker.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/quarantine_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

enum class Death { kSegv, kKill };

// A child that enters a call of `detector` on `sequence` and dies there.
void DieInCall(const std::string& path, const std::string& detector,
               uint64_t sequence, Death death) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto marker = CrashMarker::Open(path);
    if (!marker.ok()) _exit(3);
    CrashMarker::InstallSignalHandlers();
    (*marker)->AttachThread();
    (*marker)->BeginCall(detector, sequence, 5000,
                         CrashMarker::MonotonicNowNs());
    if (death == Death::kSegv) {
      volatile int* null_pointer = nullptr;
      *null_pointer = 1;
    }
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), death == Death::kSegv ? SIGSEGV : SIGKILL);
}

TEST(CrashMarkerTest, IdleAndFinishedCallsLeaveNothing) {
  storage::ScopedTempDir dir;
  const std::string path = dir.path() + "/s-0.marker";
  auto marker = CrashMarker::Open(path);
  ASSERT_TRUE(marker.ok()) << marker.status();
  EXPECT_FALSE(CrashMarker::ReadFile(path).has_value());
  (*marker)->BeginCall("velocity", 7, 5000, CrashMarker::MonotonicNowNs());
  std::optional<MarkerState> running = CrashMarker::ReadFile(path);
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->detector, "velocity");
  EXPECT_EQ(running->sequence, 7u);
  EXPECT_EQ(running->crash_signal, 0);
  EXPECT_EQ((*marker)->Read().detector, "velocity");
  (*marker)->EndCall();
  EXPECT_FALSE(CrashMarker::ReadFile(path).has_value());
  EXPECT_EQ((*marker)->Read().start_ns, 0);
}

TEST(CrashMarkerTest, SegfaultInACallIsRecordedByTheSignalHandler) {
  storage::ScopedTempDir dir;
  const std::string path = dir.path() + "/s-0.marker";
  DieInCall(path, "crashy", 42, Death::kSegv);
  std::optional<MarkerState> m = CrashMarker::ReadFile(path);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->detector, "crashy");
  EXPECT_EQ(m->sequence, 42u);
  EXPECT_EQ(m->crash_signal, SIGSEGV);
}

class QuarantineFromMarkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        storage::Store::Open(dir_.path() + "/db", storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    riskflow::v1::PipelineConfig config;
    config.set_name("t");
    for (const char* name : {"crashy", "bystander"}) {
      riskflow::v1::DetectorConfig* d = config.add_detectors();
      d->set_name(name);
      d->set_plugin("faulty");
    }
    auto pipeline =
        Pipeline::Load(config, riskflow::testing::TestPluginSearchPath());
    ASSERT_TRUE(pipeline.ok()) << pipeline.status();
    pipeline_ = std::move(*pipeline);
    markers_ = dir_.path() + "/crash";
    ASSERT_EQ(mkdir(markers_.c_str(), 0700), 0);
  }

  std::vector<riskflow::v1::QuarantinedDetector> Examine() {
    QuarantineStore q(store_.get());
    EXPECT_TRUE(q.Load().ok());
    auto added = q.QuarantineFromMarkers(markers_, "e", *pipeline_);
    EXPECT_TRUE(added.ok()) << added.status();
    // Evidence is consumed.
    EXPECT_THAT(MarkerFiles(markers_, "e"), IsEmpty());
    return q.List();
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
  std::string markers_;
};

TEST_F(QuarantineFromMarkersTest, CrashQuarantinesTheCulpritNotBystanders) {
  DieInCall(markers_ + "/e-0.marker", "crashy", 42, Death::kSegv);
  // Another shard was in a call when the process died: not evidence.
  auto other = CrashMarker::Open(markers_ + "/e-1.marker");
  ASSERT_TRUE(other.ok());
  (*other)->BeginCall("bystander", 40, 5000, CrashMarker::MonotonicNowNs());
  auto list = Examine();
  ASSERT_THAT(list, SizeIs(1));
  EXPECT_EQ(list[0].detector(), "crashy");
  EXPECT_EQ(list[0].sequence(), 42u);
  EXPECT_THAT(list[0].reason(), HasSubstr("SIGSEGV"));
  EXPECT_FALSE(list[0].plugin_build_id().empty());

  // Persisted: a fresh store object sees it; ApplyTo marks the slot.
  QuarantineStore reloaded(store_.get());
  ASSERT_TRUE(reloaded.Load().ok());
  reloaded.ApplyTo(*pipeline_);
  EXPECT_TRUE(pipeline_->detectors()[0]->quarantined.load());
  EXPECT_FALSE(pipeline_->detectors()[1]->quarantined.load());
  EXPECT_THAT(pipeline_->detectors()[0]->QuarantineReason(),
              HasSubstr("sequence 42"));
  auto cleared = reloaded.Clear("crashy");
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(*cleared);
  QuarantineStore again(store_.get());
  ASSERT_TRUE(again.Load().ok());
  EXPECT_THAT(again.List(), IsEmpty());
}

TEST_F(QuarantineFromMarkersTest, KillNeedsARepeatOnTheSameEvent) {
  // One SIGKILL while crashy ran on 42: only a suspect.
  DieInCall(markers_ + "/e-0.marker", "crashy", 42, Death::kKill);
  EXPECT_THAT(Examine(), IsEmpty());
  // Killed again, but elsewhere (kill -9 under load): still nothing.
  DieInCall(markers_ + "/e-0.marker", "crashy", 43, Death::kKill);
  EXPECT_THAT(Examine(), IsEmpty());
  // Twice in a row on the same event (an OOM loop): quarantined.
  DieInCall(markers_ + "/e-0.marker", "crashy", 43, Death::kKill);
  auto list = Examine();
  ASSERT_THAT(list, SizeIs(1));
  EXPECT_EQ(list[0].detector(), "crashy");
  EXPECT_THAT(list[0].reason(), HasSubstr("killed twice"));
}

TEST_F(QuarantineFromMarkersTest, HungFlagQuarantines) {
  {
    auto m = CrashMarker::Open(markers_ + "/e-0.marker");
    ASSERT_TRUE(m.ok());
    (*m)->BeginCall("bystander", 9, 100, CrashMarker::MonotonicNowNs());
    (*m)->MarkHung();
  }
  auto list = Examine();
  ASSERT_THAT(list, SizeIs(1));
  EXPECT_EQ(list[0].detector(), "bystander");
  EXPECT_THAT(list[0].reason(), HasSubstr("hung on log sequence 9"));
}

}  // namespace
}  // namespace riskflow::plugin_host
