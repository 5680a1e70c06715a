#ifndef RISKFLOW_PIPELINE_METRICS_EXPOSITION_H_
#define RISKFLOW_PIPELINE_METRICS_EXPOSITION_H_

// The Prometheus text exposition format (version 0.0.4):
//
//   # HELP riskflow_ingest_events_total Events answered by Publish.
//   # TYPE riskflow_ingest_events_total counter
//   riskflow_ingest_events_total{result="accepted"} 1027
//
// Label values are escaped (\\, \", \n), so a detector name from a config
// cannot break the format.

#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/metrics/metrics.h"

namespace riskflow::metrics {

std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
// [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

class TextWriter {
 public:
  // Starts a family: its samples must follow before the next Family.
  // type: "counter", "gauge", "histogram" or "untyped".
  void Family(std::string_view name, std::string_view help,
              std::string_view type);
  void Sample(std::string_view name, const Labels& labels, double value);
  void Sample(std::string_view name, const Labels& labels, uint64_t value);
  void Sample(std::string_view name, const Labels& labels, int64_t value);
  // name_bucket{...,le="..."} (cumulative), name_sum, name_count.
  void HistogramSamples(std::string_view name, const Labels& labels,
                        const Histogram::Snapshot& snap);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void AppendSeries(std::string_view name, const Labels& labels,
                    std::string_view extra_label = {},
                    std::string_view extra_value = {});
  std::string out_;
};

}  // namespace riskflow::metrics

#endif  // RISKFLOW_PIPELINE_METRICS_EXPOSITION_H_
