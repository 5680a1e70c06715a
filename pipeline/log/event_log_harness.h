#ifndef RISKFLOW_PIPELINE_LOG_EVENT_LOG_HARNESS_H_
#define RISKFLOW_PIPELINE_LOG_EVENT_LOG_HARNESS_H_

// A real EventLog over a real store in a temp dir, collecting what it
// dispatches: the shared body of the event log's test fixtures.

#include <stdlib.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pipeline/log/event_log.h"
#include "pipeline/storage/store.h"

namespace riskflow::log {

inline std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "/event_log_XXXXXX";
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

// A CNY payment of account "acct" on channel "card".
inline riskflow::v1::Event MakePayment(const std::string& id,
                                       int64_t amount = 100) {
  riskflow::v1::Event e;
  e.set_event_id(id);
  e.set_channel_id("card");
  e.set_type(riskflow::v1::PAYMENT);
  e.set_event_time_ms(1000);
  e.set_account_id("acct");
  e.set_amount_minor(amount);
  e.set_currency("CNY");
  return e;
}

class EventLogHarness {
 public:
  // A test parameter meaning "the segment backend" where the others are
  // memory_id_index_entries values (0 = the RocksDB log's store index).
  static constexpr size_t kSegments = ~size_t{0};
  // Stops the writer before mu_ and dispatched_ go: members are destroyed
  // in reverse order, so without this a test that returns with batches
  // still in flight let the writer dispatch into a freed vector
  // (event_log_lane_test, "corrupted size vs. prev_size").
  virtual ~EventLogHarness() { CloseLog(); }
  static std::string ModeName(size_t param) {
    if (param == kSegments) return "Segments";
    return param == 0 ? std::string("Store")
                      : "Memory" + std::to_string(param);
  }
  // Sets options_ for the mode `param` names.
  void UseMode(size_t param) {
    if (param == kSegments) {
      options_.backend = EventLog::Options::Backend::kSegments;
      options_.segment_dir = dir_ + "/log-segments";
      options_.memory_id_index_entries = 0;
    } else {
      options_.memory_id_index_entries = param;
    }
  }

 protected:
  // Opens dir_ with options_ and starts the writer.
  void OpenLog() {
    auto store = storage::Store::Open(dir_, storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    log_ = std::make_unique<EventLog>(
        store_.get(), options_, [this](std::vector<LoggedEvent> events) {
          absl::MutexLock lock(&mu_);
          for (auto& e : events) dispatched_.push_back(std::move(e));
        });
    ASSERT_TRUE(log_->Open().ok());
    log_->Start();
  }
  void CloseLog() {
    log_.reset();
    store_.reset();
  }
  AppendOutcome Append(std::vector<riskflow::v1::Event> events) {
    auto ticket = log_->Submit(std::move(events), absl::Seconds(5));
    EXPECT_TRUE(ticket.ok()) << ticket.status();
    auto outcome = (*ticket)->Wait();
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return *outcome;
  }
  // Dispatch runs after the ack, so tests wait for it.
  void WaitDispatched(size_t n) {
    absl::MutexLock lock(&mu_);
    auto done = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return dispatched_.size() >= n;
    };
    ASSERT_TRUE(mu_.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(10)));
  }

  EventLog::Options options_;
  std::string dir_ = MakeTempDir();
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<EventLog> log_;
  absl::Mutex mu_;
  std::vector<LoggedEvent> dispatched_;  // guarded by mu_
};

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_EVENT_LOG_HARNESS_H_
