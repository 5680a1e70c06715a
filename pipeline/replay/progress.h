// The replay's progress bar: events, rate and ETA on one line of stderr,
// redrawn a few times a second. The replayer draws it only when stderr is
// a terminal, so scripts and CI logs stay quiet.
#ifndef RISKFLOW_PIPELINE_REPLAY_PROGRESS_H_
#define RISKFLOW_PIPELINE_REPLAY_PROGRESS_H_

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pipeline/replay/event_source.h"

namespace riskflow::replay {

// One line of the bar; pure, for tests:
// "  1,234,567 events  120,345 ev/s  [#########           ]  45%  ETA 0:42"
std::string ProgressLine(uint64_t events, absl::Duration elapsed,
                         std::optional<SourceProgress> progress);

// "1,234,567"
std::string WithThousands(uint64_t n);

class ProgressBar {
 public:
  // Draws to `out` every `period` until Stop. `events` is read atomically;
  // `source` may be null.
  ProgressBar(std::FILE* out, const std::atomic<uint64_t>* events,
              const EventSource* source,
              absl::Duration period = absl::Milliseconds(250));
  ~ProgressBar();
  // Draws the final state and ends the line. Idempotent.
  void Stop();

 private:
  void Loop();
  void Draw();

  std::FILE* out_;
  const std::atomic<uint64_t>* events_;
  const EventSource* source_;
  absl::Duration period_;
  absl::Time start_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_PROGRESS_H_
