#include "pipeline/metrics/registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/common/logger.h"

namespace riskflow::metrics {

Registry::Series* Registry::Find(std::string_view name, std::string_view help,
                                 Type type, const Labels& labels,
                                 bool* created) {
  *created = false;
  FamilyEntry* family = nullptr;
  for (auto& f : families_) {
    if (f->name == name) {
      family = f.get();
      break;
    }
  }
  bool valid = IsValidMetricName(name);
  for (const auto& [k, v] : labels) valid = valid && IsValidLabelName(k);
  if (!valid || (family != nullptr && family->type != type)) {
    logging::Log(logging::Level::kError, {"metrics"},
                 absl::StrCat("metric ", std::string(name),
                              " is invalid or registered with another type; "
                              "it is not exported"));
    orphans_.push_back(std::make_unique<Series>());
    *created = true;
    return orphans_.back().get();
  }
  if (family == nullptr) {
    families_.push_back(std::make_unique<FamilyEntry>());
    family = families_.back().get();
    family->name = std::string(name);
    family->help = std::string(help);
    family->type = type;
  }
  for (auto& s : family->series) {
    if (s->labels == labels) return s.get();
  }
  family->series.push_back(std::make_unique<Series>());
  family->series.back()->labels = labels;
  *created = true;
  return family->series.back().get();
}

Counter* Registry::GetCounter(std::string_view name, std::string_view help,
                              const Labels& labels) {
  absl::MutexLock lock(&mu_);
  bool created = false;
  Series* s = Find(name, help, Type::kCounter, labels, &created);
  if (created) s->counter = std::make_unique<Counter>();
  return s->counter.get();
}

Gauge* Registry::GetGauge(std::string_view name, std::string_view help,
                          const Labels& labels) {
  absl::MutexLock lock(&mu_);
  bool created = false;
  Series* s = Find(name, help, Type::kGauge, labels, &created);
  if (created) s->gauge = std::make_unique<Gauge>();
  return s->gauge.get();
}

Histogram* Registry::GetHistogram(std::string_view name, std::string_view help,
                                  const std::vector<int64_t>& bounds,
                                  const Labels& labels) {
  absl::MutexLock lock(&mu_);
  bool created = false;
  Series* s = Find(name, help, Type::kHistogram, labels, &created);
  if (created) s->histogram = std::make_unique<Histogram>(bounds);
  return s->histogram.get();
}

int Registry::AddCollector(Collector collector) {
  absl::MutexLock lock(&mu_);
  const int id = next_collector_++;
  collectors_.emplace_back(id, std::move(collector));
  return id;
}

void Registry::RemoveCollector(int id) {
  absl::MutexLock lock(&mu_);
  for (auto it = collectors_.begin(); it != collectors_.end(); ++it) {
    if (it->first == id) {
      collectors_.erase(it);
      return;
    }
  }
}

std::string Registry::Render() const {
  TextWriter w;
  // Collectors run under the lock too, so RemoveCollector returning means
  // no scrape is still reading what the collector reads.
  absl::MutexLock lock(&mu_);
  for (const auto& f : families_) {
    switch (f->type) {
      case Type::kCounter:
        w.Family(f->name, f->help, "counter");
        for (const auto& s : f->series) {
          w.Sample(f->name, s->labels, s->counter->value());
        }
        break;
      case Type::kGauge:
        w.Family(f->name, f->help, "gauge");
        for (const auto& s : f->series) {
          w.Sample(f->name, s->labels, s->gauge->value());
        }
        break;
      case Type::kHistogram:
        w.Family(f->name, f->help, "histogram");
        for (const auto& s : f->series) {
          w.HistogramSamples(f->name, s->labels, s->histogram->Snap());
        }
        break;
    }
  }
  for (const auto& [id, collector] : collectors_) collector(w);
  return w.Take();
}

}  // namespace riskflow::metrics
