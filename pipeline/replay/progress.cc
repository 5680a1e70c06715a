#include "pipeline/replay/progress.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace riskflow::replay {

std::string WithThousands(uint64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string ProgressLine(uint64_t events, absl::Duration elapsed,
                         std::optional<SourceProgress> progress) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  const double rate = seconds > 0 ? events / seconds : 0;
  std::string line =
      absl::StrCat("  ", WithThousands(events), " events  ",
                   WithThousands(static_cast<uint64_t>(rate)), " ev/s");
  if (!progress.has_value() || progress->total == 0) return line;
  const double fraction =
      std::min(1.0, static_cast<double>(progress->done) / progress->total);
  constexpr int kWidth = 20;
  const int filled = static_cast<int>(fraction * kWidth);
  absl::StrAppend(&line, "  [", std::string(filled, '#'),
                  std::string(kWidth - filled, ' '), "] ",
                  absl::StrFormat("%3d%%", static_cast<int>(fraction * 100)));
  if (fraction > 0 && fraction < 1) {
    const int64_t eta = static_cast<int64_t>(seconds * (1 - fraction) / fraction);
    absl::StrAppend(&line, absl::StrFormat("  ETA %d:%02d", eta / 60, eta % 60));
  }
  return line;
}

ProgressBar::ProgressBar(std::FILE* out, const std::atomic<uint64_t>* events,
                         const EventSource* source, absl::Duration period)
    : out_(out),
      events_(events),
      source_(source),
      period_(period),
      start_(absl::Now()) {
  thread_ = std::thread([this] { Loop(); });
}

ProgressBar::~ProgressBar() { Stop(); }

void ProgressBar::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    stop_ = true;
  }
  thread_.join();
  Draw();
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressBar::Loop() {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stop_), period_)) {
    Draw();
  }
}

void ProgressBar::Draw() {
  std::optional<SourceProgress> p =
      source_ != nullptr ? source_->Progress() : std::nullopt;
  // \r and clear-to-end-of-line: redraw in place, however long the last was.
  std::fprintf(out_, "\r%s\033[K",
               ProgressLine(events_->load(), absl::Now() - start_, p).c_str());
  std::fflush(out_);
}

}  // namespace riskflow::replay
