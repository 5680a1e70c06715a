#include "pipeline/common/logger.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace riskflow::logging {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

absl::Mutex& SinkMutex() {
  static absl::Mutex* mu = new absl::Mutex();
  return *mu;
}

Sink& CurrentSink() {
  static Sink* sink = new Sink();
  return *sink;
}

char LevelLetter(Level level) {
  switch (level) {
    case Level::kDebug:
      return 'D';
    case Level::kInfo:
      return 'I';
    case Level::kWarning:
      return 'W';
    case Level::kError:
      return 'E';
  }
  return '?';
}

// One line per message whatever the message holds: control characters
// are escaped, so a hostile detector name or a multi-line error cannot
// forge or split log lines.
void AppendEscaped(std::string* out, std::string_view s, bool quote) {
  for (char c : s) {
    switch (c) {
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\\':
        out->append(quote ? "\\\\" : "\\");
        break;
      case '"':
        out->append(quote ? "\\\"" : "\"");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          absl::StrAppend(out, "\\x", absl::Hex(static_cast<unsigned char>(c),
                                                absl::kZeroPad2));
        } else {
          out->push_back(c);
        }
    }
  }
}

void WriteAll(const std::string& line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // nowhere else to report a failing stderr
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string FormatLine(absl::Time time, Level level, const Component& component,
                       std::string_view message) {
  std::string line = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time,
                                      absl::UTCTimeZone());
  absl::StrAppend(&line, " ", std::string(1, LevelLetter(level)), " ");
  AppendEscaped(&line, component.name.empty() ? "riskflow" : component.name,
                false);
  if (component.shard >= 0) absl::StrAppend(&line, " shard=", component.shard);
  if (!component.detector.empty()) {
    line.append(" detector=\"");
    AppendEscaped(&line, component.detector, true);
    line.push_back('"');
  }
  line.push_back(' ');
  AppendEscaped(&line, message, false);
  return line;
}

void Log(Level level, const Component& component, std::string_view message) {
  if (!Enabled(level)) return;
  std::string line = FormatLine(absl::Now(), level, component, message);
  absl::MutexLock lock(&SinkMutex());
  if (CurrentSink()) {
    CurrentSink()(line);
    return;
  }
  line.push_back('\n');
  WriteAll(line);
}

void SetMinLevel(Level level) {
  g_min_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool Enabled(Level level) {
  return static_cast<int>(level) >=
         g_min_level.load(std::memory_order_relaxed);
}

void SetSink(Sink sink) {
  absl::MutexLock lock(&SinkMutex());
  CurrentSink() = std::move(sink);
}

bool RateLimiter::Allow(uint64_t* suppressed) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  if (now - window_start_ >= interval_) {
    window_start_ = now;
    in_window_ = 0;
  }
  if (in_window_ >= burst_) {
    ++suppressed_;
    return false;
  }
  ++in_window_;
  *suppressed = std::exchange(suppressed_, 0);
  return true;
}

void LogRateLimited(RateLimiter& limiter, Level level,
                    const Component& component, std::string_view message) {
  if (!Enabled(level)) return;
  uint64_t suppressed = 0;
  if (!limiter.Allow(&suppressed)) return;
  if (suppressed == 0) {
    Log(level, component, message);
  } else {
    Log(level, component,
        absl::StrCat(std::string(message), " (", suppressed,
                     " similar messages suppressed)"));
  }
}

}  // namespace riskflow::logging
