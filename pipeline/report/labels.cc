#include "pipeline/report/labels.h"

#include <cstdint>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/replay/jsonl_reader.h"
#include "pipeline/report/input_file.h"

namespace riskflow::report {
namespace {

void Count(bool fraud, bool flagged, Confusion* c) {
  if (fraud && flagged) ++c->true_positives;
  if (!fraud && flagged) ++c->false_positives;
  if (fraud && !flagged) ++c->false_negatives;
}

double Ratio(int64_t numerator, int64_t denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / denominator;
}

}  // namespace

bool IsFraudLabel(std::string_view label) {
  std::string lower =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(AsAbsl(label)));
  return !lower.empty() && lower != "0" && lower != "false" &&
         lower != "benign" && lower != "none";
}

double Confusion::precision() const {
  return Ratio(true_positives, true_positives + false_positives);
}
double Confusion::recall() const {
  return Ratio(true_positives, true_positives + false_negatives);
}
double Confusion::f1() const {
  const double p = precision();
  const double r = recall();
  return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

namespace {

constexpr RouteId kSinks[] = {riskflow::v1::FREEZE, riskflow::v1::MANUAL_REVIEW,
                              riskflow::v1::NOTIFY};

// The running counts for one decision set while the events stream past.
class Scorer {
 public:
  Scorer(const DecisionSet& decisions, size_t max_listed)
      : decisions_(decisions),
        max_listed_(max_listed),
        by_detector_id_(decisions.reasons().detector_count()),
        flagged_at_(decisions.reasons().detector_count(), SIZE_MAX),
        scored_(decisions.size()) {}

  void Add(std::string_view id, const std::string& label, bool fraud) {
    std::optional<size_t> index = decisions_.Find(id);
    if (!index.has_value()) {
      ++metrics_.events;
      ++metrics_.events_without_decision;
      if (fraud) ++metrics_.fraud_without_decision;
      return;
    }
    // One score per decision even if the events file repeats an event.
    if (scored_[*index]) return;
    scored_[*index] = true;
    ++metrics_.events;
    ++metrics_.scored;

    const DecisionRecord& r = decisions_.record(*index);
    const bool flagged = IsFlaggingRoute(r.route);
    Count(fraud, flagged, &metrics_.overall);
    for (RouteId sink : kSinks) {
      Count(fraud, (r.routes_mask & (1u << sink)) != 0,
            &metrics_.by_route[sink]);
    }
    // Only detectors that flagged this event change a count; their false
    // negatives are derived from the fraud total at the end.
    for (const AnnotationRef& a : decisions_.annotations(*index)) {
      const uint32_t detector = decisions_.reasons().detector_of(a.reason);
      if (!IsFlaggingRoute(a.route) || flagged_at_[detector] == *index) {
        continue;
      }
      flagged_at_[detector] = *index;
      Count(fraud, true, &by_detector_id_[detector]);
    }
    if (fraud) {
      ++metrics_.fraud;
      ScenarioCounts& scenario = metrics_.by_scenario[label];
      ++scenario.fraud;
      if (flagged) ++scenario.caught;
    }
    const ListedDecision listed{static_cast<uint32_t>(*index), label};
    if (fraud && !flagged) {
      if (metrics_.missed.size() < max_listed_)
        metrics_.missed.push_back(listed);
      ++metrics_.missed_total;
    }
    if (!fraud && flagged) {
      if (metrics_.wrong.size() < max_listed_) metrics_.wrong.push_back(listed);
      ++metrics_.wrong_total;
    }
  }

  LabelMetrics Finish() {
    metrics_.decisions_without_event =
        static_cast<int64_t>(decisions_.size()) - metrics_.scored;
    for (uint32_t d = 0; d < by_detector_id_.size(); ++d) {
      Confusion& c = by_detector_id_[d];
      c.false_negatives = metrics_.fraud - c.true_positives;
      metrics_.by_detector[decisions_.reasons().detector_name(d)] = c;
    }
    return std::move(metrics_);
  }

 private:
  const DecisionSet& decisions_;
  const size_t max_listed_;
  LabelMetrics metrics_;
  std::vector<Confusion> by_detector_id_;
  std::vector<size_t> flagged_at_;
  std::vector<bool> scored_;
};

}  // namespace

absl::StatusOr<std::vector<LabelMetrics>> ScoreLabels(
    const std::vector<const DecisionSet*>& sets, const std::string& events_path,
    size_t max_listed) {
  absl::StatusOr<std::unique_ptr<InputFile>> input =
      InputFile::Open(events_path);
  if (!input.ok()) return input.status();
  std::vector<Scorer> scorers;
  scorers.reserve(sets.size());
  for (const DecisionSet* set : sets) scorers.emplace_back(*set, max_listed);

  std::string line;
  std::string id;
  int64_t line_number = 0;
  while (true) {
    absl::StatusOr<bool> more = (*input)->ReadLine(&line);
    if (!more.ok()) return more.status();
    if (!*more) break;
    ++line_number;
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    absl::StatusOr<riskflow::v1::Event> event =
        riskflow::replay::ParseEventJson(
            std::string_view(trimmed.data(), trimmed.size()));
    if (!event.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat((*input)->name(), ":", line_number,
                       ": invalid event: ", event.status().message()));
    }
    id = absl::StrCat(event->channel_id(), "/", event->event_id());
    auto label_it = event->attributes().find("label");
    const std::string label =
        label_it == event->attributes().end() ? "" : label_it->second;
    const bool fraud = IsFraudLabel(label);
    for (Scorer& scorer : scorers) scorer.Add(id, label, fraud);
  }
  std::vector<LabelMetrics> metrics;
  for (Scorer& scorer : scorers) metrics.push_back(scorer.Finish());
  return metrics;
}

absl::StatusOr<LabelMetrics> ScoreLabels(const DecisionSet& decisions,
                                         const std::string& events_path,
                                         size_t max_listed) {
  absl::StatusOr<std::vector<LabelMetrics>> metrics =
      ScoreLabels({&decisions}, events_path, max_listed);
  if (!metrics.ok()) return metrics.status();
  return std::move(metrics->front());
}

}  // namespace riskflow::report
