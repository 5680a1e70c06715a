#ifndef RISKFLOW_PIPELINE_METRICS_REGISTRY_H_
#define RISKFLOW_PIPELINE_METRICS_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "pipeline/metrics/exposition.h"
#include "pipeline/metrics/metrics.h"

namespace riskflow::metrics {

// Owns the process's metrics and renders them. Registration returns a
// pointer that stays valid for the registry's life; the caller keeps it and
// updates the metric lock-free. Values that already live elsewhere (queue
// depths, cursors, a detector's fault count) are read at scrape time by
// collectors instead of being mirrored on the hot path.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The same name and labels return the same metric. Every series of a name
  // must have the same type; a mismatch (a programming error) returns a
  // metric that is updated but never rendered, and logs it.
  Counter* GetCounter(std::string_view name, std::string_view help,
                      const Labels& labels = {});
  Gauge* GetGauge(std::string_view name, std::string_view help,
                  const Labels& labels = {});
  Histogram* GetHistogram(std::string_view name, std::string_view help,
                          const std::vector<int64_t>& bounds,
                          const Labels& labels = {});

  // Writes whole families (Family + samples) at every scrape, after the
  // registered metrics. The id removes it again (before what it reads
  // dies). A collector must not use names registered with Get*.
  using Collector = std::function<void(TextWriter&)>;
  int AddCollector(Collector collector);
  void RemoveCollector(int id);

  // The whole exposition.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct FamilyEntry {
    std::string name;
    std::string help;
    Type type;
    std::vector<std::unique_ptr<Series>> series;
  };
  Series* Find(std::string_view name, std::string_view help, Type type,
               const Labels& labels, bool* created)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<FamilyEntry>> families_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Series>> orphans_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<int, Collector>> collectors_ ABSL_GUARDED_BY(mu_);
  int next_collector_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace riskflow::metrics

#endif  // RISKFLOW_PIPELINE_METRICS_REGISTRY_H_
