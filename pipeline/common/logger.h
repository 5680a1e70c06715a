#ifndef RISKFLOW_PIPELINE_COMMON_LOGGER_H_
#define RISKFLOW_PIPELINE_COMMON_LOGGER_H_

// The one logger of riskflow's library code. Every message is one line:
//
//   2026-12-03T09:45:01.123456Z W store shard=2 detector="velocity" message
//
// (time in UTC, level letter D/I/W/E, component, then the fields that are
// known), so an operator can grep for a shard or a detector. Newlines in a
// message are escaped, never split across lines. Messages go to stderr
// unless a test installs its own sink.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace riskflow::logging {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Where a message comes from. `shard` < 0 and an empty `detector` are left
// out of the line.
struct Component {
  std::string_view name;
  int shard = -1;
  std::string_view detector = {};
};

// Writes one line (not thread-safe to call concurrently with SetSink).
void Log(Level level, const Component& component, std::string_view message);

// The formatted line without the trailing newline (for tests and sinks).
std::string FormatLine(absl::Time time, Level level, const Component& component,
                       std::string_view message);

// Messages below this level are dropped; kInfo by default.
void SetMinLevel(Level level);
bool Enabled(Level level);

// Replaces stderr for every later line (null restores stderr). For tests.
using Sink = std::function<void(std::string_view line)>;
void SetSink(Sink sink);

// For messages on the hot path (a per-event failure): at most `burst`
// lines per `interval`; the first line after a quiet spell says how many
// were suppressed. Thread-safe; one limiter per call site.
class RateLimiter {
 public:
  RateLimiter(int burst, absl::Duration interval)
      : burst_(burst), interval_(interval) {}
  // True if a line may be written now; *suppressed is the number of lines
  // dropped since the last one written.
  bool Allow(uint64_t* suppressed);

 private:
  const int burst_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  absl::Time window_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int in_window_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

// Log() through a limiter.
void LogRateLimited(RateLimiter& limiter, Level level,
                    const Component& component, std::string_view message);

}  // namespace riskflow::logging

#endif  // RISKFLOW_PIPELINE_COMMON_LOGGER_H_
