// The detector table of docs/detectors.md: per detector, how often it
// flags benign traffic (alerts per 10K benign events), and per labelled
// anomaly kind, how much of it the pipeline catches (recall).
//
// Events are datagen's (tools/datagen/generator.h): attributes "label"
// name the plugin that must flag the event, "episode" marks an anomaly's
// supporting events, and events with neither are benign. A detector flags
// an event when it annotated it with a route other than PASS. A labelled
// event counts as caught "by its kind" when a detector whose plugin is the
// label flagged it, and "by the pipeline" when its decision is not PASS.
#ifndef RISKFLOW_TOOLS_BENCH_DETECTOR_TABLE_H_
#define RISKFLOW_TOOLS_BENCH_DETECTOR_TABLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::bench {

struct DetectorRow {
  std::string name;    // instance name in the pipeline
  std::string plugin;  // its plugin
  int64_t benign_alerts = 0;  // benign events it flagged
  std::map<std::string, int64_t> benign_reasons;  // reason_code -> events
  int64_t labelled_caught = 0;  // labelled events it flagged (any kind)
  int64_t own_kind_caught = 0;  // ... labelled with its own plugin's name
};

struct KindRow {
  std::string kind;  // the label: a plugin name
  int64_t labelled = 0;
  int64_t caught_by_kind = 0;      // by a detector of that plugin
  // Routed FREEZE only because an earlier FREEZE of the episode holds the
  // account (ACCOUNT_HELD): stopped, though no detector looked at it.
  int64_t held = 0;
  int64_t caught_by_pipeline = 0;  // routed anywhere but PASS
  double recall() const {
    return labelled == 0
               ? 0
               : static_cast<double>(caught_by_kind + held) / labelled;
  }
  double pipeline_recall() const {
    return labelled == 0 ? 0
                         : static_cast<double>(caught_by_pipeline) / labelled;
  }
};

// Benign events of one hard negative (attribute "hard_negative").
struct HardNegativeRow {
  int64_t events = 0;
  int64_t flagged = 0;  // routed anywhere but PASS, holds excluded
  int64_t held = 0;     // held only (see DetectorTable::benign_held)
  std::map<std::string, int64_t> by_detector;  // detector -> events flagged
};

class DetectorTable {
 public:
  // Rows for every detector of `pipeline`, in pipeline order.
  explicit DetectorTable(const riskflow::v1::PipelineConfig& pipeline);

  // One event and the decision the pipeline made for it.
  void Add(const riskflow::v1::Event& event,
           const riskflow::v1::Decision& decision);
  // The same from a decision's parts: whether its route flags the event,
  // and (detector, reason_code) of each annotation whose route flags it.
  void Add(const riskflow::v1::Event& event, bool routed,
           const std::vector<std::pair<std::string, std::string>>& flags);

  int64_t events() const { return events_; }
  int64_t benign() const { return benign_; }
  int64_t benign_flagged() const { return benign_flagged_; }
  // Benign events routed FREEZE only because their account is held after a
  // FREEZE (docs/account-holds.md). Not alerts: they join the account's
  // open case and give reviewers no new work, so they are counted apart
  // from benign_flagged (docs/detectors.md).
  int64_t benign_held() const { return benign_held_; }
  int64_t episode() const { return episode_; }
  // Benign events routed anywhere but PASS, percent of benign events.
  double benign_flagged_percent() const;
  // A detector's benign alerts per 10,000 benign events.
  double AlertsPer10K(const DetectorRow& row) const;

  const std::vector<DetectorRow>& detectors() const { return detectors_; }
  // Every kind seen in a label, by name.
  const std::map<std::string, KindRow>& kinds() const { return kinds_; }
  const std::map<std::string, HardNegativeRow>& hard_negatives() const {
    return hard_negatives_;
  }

  // The Markdown tables (benign alerts per detector, recall per kind).
  std::string Markdown() const;

 private:
  std::vector<DetectorRow> detectors_;
  std::map<std::string, size_t> row_of_;  // detector name -> index
  std::map<std::string, KindRow> kinds_;
  std::map<std::string, HardNegativeRow> hard_negatives_;
  int64_t events_ = 0;
  int64_t benign_ = 0;
  int64_t benign_flagged_ = 0;
  int64_t benign_held_ = 0;
  int64_t episode_ = 0;
};

// Adds every event of `events_path` (JSONL) with its decision from
// `decisions_path` (a `riskflow replay` output, JSONL or proto), joined by
// "<channel_id>/<event_id>". Events without a decision are counted in
// *undecided (may be null).
absl::Status AddReplay(const std::string& events_path,
                       const std::string& decisions_path, DetectorTable* table,
                       int64_t* undecided);

}  // namespace riskflow::bench

#endif  // RISKFLOW_TOOLS_BENCH_DETECTOR_TABLE_H_
