#include "tools/bench/detector_table.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pipeline/replay/jsonl_reader.h"
#include "pipeline/report/decision_reader.h"

namespace riskflow::bench {
namespace {

std::string Attr(const riskflow::v1::Event& e, const char* key) {
  auto it = e.attributes().find(key);
  return it == e.attributes().end() ? "" : it->second;
}

bool Flags(riskflow::v1::Route r) {
  return r != riskflow::v1::PASS && r != riskflow::v1::ROUTE_UNSPECIFIED;
}

// The router's name for a hold's annotation (router::kHoldDetector).
constexpr char kHoldDetector[] = "account_hold";

// Flagged by the account's hold and nothing else.
bool HeldOnly(const std::vector<std::pair<std::string, std::string>>& flags) {
  if (flags.empty()) return false;
  for (const auto& flag : flags) {
    if (flag.first != kHoldDetector) return false;
  }
  return true;
}

}  // namespace

DetectorTable::DetectorTable(const riskflow::v1::PipelineConfig& pipeline) {
  for (const auto& d : pipeline.detectors()) {
    row_of_[d.name()] = detectors_.size();
    DetectorRow row;
    row.name = d.name();
    row.plugin = d.plugin();
    detectors_.push_back(std::move(row));
  }
}

void DetectorTable::Add(const riskflow::v1::Event& event,
                        const riskflow::v1::Decision& decision) {
  std::vector<std::pair<std::string, std::string>> flags;
  for (const auto& a : decision.annotations()) {
    if (Flags(a.route())) flags.emplace_back(a.detector(), a.reason_code());
  }
  Add(event, Flags(decision.route()), flags);
}

void DetectorTable::Add(
    const riskflow::v1::Event& event, bool routed,
    const std::vector<std::pair<std::string, std::string>>& flags) {
  ++events_;
  const bool held = routed && HeldOnly(flags);
  // Detectors that flagged the event, with their reasons; an unknown name
  // (a pipeline that differs from the one given) gets a row of its own.
  std::map<size_t, std::set<std::string>> flagged;
  for (const auto& [detector, reason] : flags) {
    if (held) break;
    auto it = row_of_.find(detector);
    if (it == row_of_.end()) {
      it = row_of_.emplace(detector, detectors_.size()).first;
      DetectorRow row;
      row.name = detector;
      row.plugin = "?";
      detectors_.push_back(std::move(row));
    }
    flagged[it->second].insert(reason);
  }
  const std::string label = Attr(event, "label");
  if (!label.empty()) {
    KindRow& k = kinds_[label];
    k.kind = label;
    ++k.labelled;
    bool by_kind = false;
    for (const auto& [row, reasons] : flagged) {
      ++detectors_[row].labelled_caught;
      const bool own = detectors_[row].plugin == label;
      detectors_[row].own_kind_caught += own;
      by_kind = by_kind || own;
    }
    k.caught_by_kind += by_kind;
    k.held += held;
    k.caught_by_pipeline += routed;
    return;
  }
  if (!Attr(event, "episode").empty()) {
    ++episode_;
    return;
  }
  ++benign_;
  benign_held_ += held;
  benign_flagged_ += routed && !held;
  for (const auto& [row, reasons] : flagged) {
    ++detectors_[row].benign_alerts;
    for (const std::string& r : reasons) ++detectors_[row].benign_reasons[r];
  }
  const std::string behaviour = Attr(event, "hard_negative");
  if (!behaviour.empty()) {
    HardNegativeRow& h = hard_negatives_[behaviour];
    ++h.events;
    h.held += held;
    h.flagged += routed && !held;
    for (const auto& [row, reasons] : flagged) {
      ++h.by_detector[detectors_[row].name];
    }
  }
}

double DetectorTable::benign_flagged_percent() const {
  return benign_ == 0 ? 0 : 100.0 * static_cast<double>(benign_flagged_) /
                                static_cast<double>(benign_);
}

double DetectorTable::AlertsPer10K(const DetectorRow& row) const {
  return benign_ == 0 ? 0
                      : 10000.0 * static_cast<double>(row.benign_alerts) /
                            static_cast<double>(benign_);
}

std::string DetectorTable::Markdown() const {
  std::string out = absl::StrFormat(
      "%d events: %d benign, %d labelled, %d supporting (episode).\n"
      "Benign events routed anywhere but PASS: %d (%.4f%%, %.2f per 10K); "
      "besides, held after a FREEZE of their account: %d.\n\n",
      events_, benign_, events_ - benign_ - episode_, episode_,
      benign_flagged_, benign_flagged_percent(), 100 * benign_flagged_percent(),
      benign_held_);
  out +=
      "| detector | plugin | benign alerts | per 10K benign events | benign "
      "alerts by reason | its kind's labelled events it flags |\n"
      "|---|---|---:|---:|---|---:|\n";
  for (const DetectorRow& row : detectors_) {
    std::string reasons;
    for (const auto& [reason, n] : row.benign_reasons) {
      absl::StrAppend(&reasons, reasons.empty() ? "" : ", ", reason, " ", n);
    }
    auto kind = kinds_.find(row.plugin);
    const std::string recall =
        kind == kinds_.end()
            ? "—"
            : absl::StrFormat(
                  "%.4f (%d/%d)",
                  static_cast<double>(row.own_kind_caught) /
                      static_cast<double>(kind->second.labelled),
                  row.own_kind_caught, kind->second.labelled);
    absl::StrAppend(&out,
                    absl::StrFormat("| %s | %s | %d | %.2f | %s | %s |\n",
                                    row.name, row.plugin, row.benign_alerts,
                                    AlertsPer10K(row),
                                    reasons.empty() ? "—" : reasons, recall));
  }
  out +=
      "\n| anomaly kind (label) | labelled events | caught by its detector | "
      "held (frozen earlier) | recall | caught by the pipeline | pipeline "
      "recall |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [name, k] : kinds_) {
    absl::StrAppend(
        &out, absl::StrFormat("| %s | %d | %d | %d | %.4f | %d | %.4f |\n",
                              name, k.labelled, k.caught_by_kind, k.held,
                              k.recall(), k.caught_by_pipeline,
                              k.pipeline_recall()));
  }
  if (!hard_negatives_.empty()) {
    out +=
        "\n| hard negative (benign) | events | flagged | flagged % | by "
        "detector | held |\n"
        "|---|---:|---:|---:|---|---:|\n";
    for (const auto& [name, h] : hard_negatives_) {
      std::string by;
      for (const auto& [detector, n] : h.by_detector) {
        absl::StrAppend(&by, by.empty() ? "" : ", ", detector, " ", n);
      }
      absl::StrAppend(
          &out,
          absl::StrFormat("| %s | %d | %d | %.3f | %s | %d |\n", name,
                          h.events, h.flagged,
                          h.events == 0 ? 0.0 : 100.0 * h.flagged / h.events,
                          by.empty() ? "—" : by, h.held));
    }
  }
  return out;
}

absl::Status AddReplay(const std::string& events_path,
                       const std::string& decisions_path, DetectorTable* table,
                       int64_t* undecided) {
  auto decisions = riskflow::report::LoadDecisions(decisions_path);
  if (!decisions.ok()) return decisions.status();
  auto reader = riskflow::replay::JsonlEventReader::Open(events_path);
  if (!reader.ok()) return reader.status();
  const riskflow::report::ReasonTable& reasons = decisions->reasons();
  riskflow::v1::Event event;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&event);
    if (!more.ok()) return more.status();
    if (!*more) break;
    auto index = decisions->Find(
        absl::StrCat(event.channel_id(), "/", event.event_id()));
    if (!index.has_value()) {
      if (undecided != nullptr) ++*undecided;
      continue;
    }
    std::vector<std::pair<std::string, std::string>> flags;
    for (const auto& a : decisions->annotations(*index)) {
      if (!riskflow::report::IsFlaggingRoute(a.route)) continue;
      flags.emplace_back(reasons.detector_name(reasons.detector_of(a.reason)),
                         reasons.reason_code(a.reason));
    }
    table->Add(event,
               riskflow::report::IsFlaggingRoute(
                   decisions->record(*index).route),
               flags);
  }
  return absl::OkStatus();
}

}  // namespace riskflow::bench
