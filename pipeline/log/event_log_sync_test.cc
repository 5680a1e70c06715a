// The log threads write a group while earlier groups are being synced
// (docs/segment-log.md, "Concurrent syncs"). Whatever the interleaving,
// an acknowledged event is durable and readable at the moment of its ack,
// a repeat is acknowledged only once its original is, and dispatch sees
// every sequence once, in order.
#include <atomic>
#include <deque>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/event_log_harness.h"

namespace riskflow::log {
namespace {

using riskflow::v1::Event;

// Param: (index mode as in EventLogHarness, log threads).
class EventLogSyncTest
    : public ::testing::TestWithParam<std::tuple<size_t, size_t>>,
      public EventLogHarness {
 protected:
  void SetUp() override {
    UseMode(std::get<0>(GetParam()));
    options_.log_threads = std::get<1>(GetParam());
    // Small groups, so many of them overlap.
    options_.max_group_events = 16;
    OpenLog();
  }
};

TEST_P(EventLogSyncTest, AcksAreDurableAndDispatchIsInOrder) {
  constexpr int kSubmitters = 4;
  constexpr int kBatches = 120;
  constexpr size_t kOutstanding = 4;  // tickets each submitter keeps open
  std::atomic<int> problems{0};
  std::atomic<uint64_t> fresh_events{0};
  auto report = [&problems](const std::string& what) {
    if (problems++ < 10) ADD_FAILURE() << what;
  };
  // Every sequence an outcome names must be readable once it is acked.
  auto check = [&](AppendTicket& ticket, size_t events) {
    absl::StatusOr<AppendOutcome> out = ticket.Wait();
    if (!out.ok() || out->sequences.size() != events) {
      report(absl::StrCat("ack failed: ", out.status().ToString()));
      return;
    }
    for (size_t i = 0; i < events; ++i) {
      const uint64_t seq = out->sequences[i];
      if (!out->duplicate[i]) ++fresh_events;
      if (seq > out->durable_sequence) {
        report(absl::StrCat("sequence ", seq, " above the ack's durable ",
                            out->durable_sequence));
      }
      auto read = log_->Read(seq);
      if (!read.ok() || !read->has_value()) {
        report(absl::StrCat("acknowledged sequence ", seq,
                            out->duplicate[i] ? " (a repeat's original)" : "",
                            " is not readable"));
      }
    }
  };
  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitters; ++t) {
    submitters.emplace_back([&, t] {
      std::deque<std::pair<std::shared_ptr<AppendTicket>, size_t>> open;
      std::vector<std::string> previous;  // ids of the batch before
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Event> batch;
        std::vector<std::string> ids;
        const int n = 1 + (b * 7 + t) % 8;
        for (int i = 0; i < n; ++i) {
          // Every fourth event repeats an id of the batch submitted just
          // before, whose group may be written and not yet durable.
          std::string id = (i % 4 == 3 && !previous.empty())
                               ? previous[i % previous.size()]
                               : absl::StrCat("t", t, "-b", b, "-", i);
          ids.push_back(id);
          batch.push_back(MakePayment(id));
        }
        // Some batches take the priority lane, as Evaluates do: a group
        // that carries one is written while another group is syncing.
        const Lane lane = b % 5 == t ? Lane::kPriority : Lane::kBulk;
        auto ticket =
            log_->Submit(std::move(batch), absl::Seconds(10), lane);
        if (!ticket.ok()) {
          report(ticket.status().ToString());
          return;
        }
        open.emplace_back(*ticket, ids.size());
        previous = std::move(ids);
        if (open.size() >= kOutstanding) {
          check(*open.front().first, open.front().second);
          open.pop_front();
        }
      }
      for (auto& [ticket, events] : open) check(*ticket, events);
    });
  }
  for (auto& t : submitters) t.join();
  EXPECT_EQ(problems.load(), 0);

  const uint64_t total = fresh_events.load();
  ASSERT_GT(total, 0u);
  EXPECT_EQ(log_->durable_sequence(), total);
  WaitDispatched(total);
  absl::MutexLock lock(&mu_);
  ASSERT_EQ(dispatched_.size(), total);
  for (size_t i = 0; i < dispatched_.size(); ++i) {
    ASSERT_EQ(dispatched_[i].sequence, i + 1) << "dispatch out of order";
  }
}

INSTANTIATE_TEST_SUITE_P(
    ModesAndThreads, EventLogSyncTest,
    ::testing::Values(std::make_tuple(EventLogHarness::kSegments, size_t{1}),
                      std::make_tuple(EventLogHarness::kSegments, size_t{2}),
                      std::make_tuple(EventLogHarness::kSegments, size_t{4}),
                      std::make_tuple(size_t{0}, size_t{2})),
    [](const auto& info) {
      return absl::StrCat(EventLogHarness::ModeName(std::get<0>(info.param)),
                          std::get<1>(info.param), "Threads");
    });

}  // namespace
}  // namespace riskflow::log
