#include "pipeline/report/model_compare.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pipeline/replay/jsonl_reader.h"
#include "pipeline/report/full_decisions.h"
#include "pipeline/report/holdout.h"
#include "pipeline/report/labels.h"

namespace riskflow::report {
namespace {

struct Side {
  bool flagged = false;
  float score = 0;
  bool has_score = false;
};

absl::Status ReadSide(const std::string& path, const std::string& detector,
                      absl::flat_hash_map<std::string, Side>* out) {
  return ForEachDecision(path, [&](const riskflow::v1::Decision& d) {
    Side s;
    s.flagged = d.route() != riskflow::v1::PASS &&
                d.route() != riskflow::v1::ROUTE_UNSPECIFIED;
    for (const auto& a : d.annotations()) {
      if (!detector.empty() && a.detector() == detector && !a.degraded()) {
        s.score = static_cast<float>(a.score());
        s.has_score = true;
      }
    }
    out->emplace(d.decision_id(), s);
    return absl::OkStatus();
  });
}

double Ratio(double a, double b) { return b == 0 ? 0 : a / b; }
double F1(double p, double r) { return p + r == 0 ? 0 : 2 * p * r / (p + r); }

}  // namespace

absl::StatusOr<ModelComparison> CompareModel(const std::string& baseline,
                                             const std::string& candidate,
                                             const std::string& events,
                                             const std::string& detector,
                                             int holdout_percent) {
  absl::flat_hash_map<std::string, Side> rules, model;
  if (absl::Status s = ReadSide(baseline, "", &rules); !s.ok()) return s;
  if (absl::Status s = ReadSide(candidate, detector, &model); !s.ok()) return s;
  auto reader = replay::JsonlEventReader::Open(events);
  if (!reader.ok()) return reader.status();
  ModelComparison c;
  c.holdout_percent = holdout_percent;
  std::vector<float> fraud_scores, all_scores;
  riskflow::v1::Event e;
  absl::flat_hash_map<std::string, bool> seen;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (!IsHeldOut(e.account_id(), holdout_percent)) continue;
    std::string id = absl::StrCat(e.channel_id(), "/", e.event_id());
    if (!seen.emplace(id, true).second) continue;
    auto r = rules.find(id);
    auto m = model.find(id);
    if (r == rules.end() || m == model.end()) continue;
    auto it = e.attributes().find("label");
    const std::string label = it == e.attributes().end() ? "" : it->second;
    const bool fraud = IsFraudLabel(label);
    const bool combined = r->second.flagged || m->second.flagged;
    const float score = m->second.has_score ? m->second.score : 0.0f;
    ++c.events;
    c.scored += m->second.has_score ? 1 : 0;
    c.rules_alerts += r->second.flagged ? 1 : 0;
    c.combined_alerts += combined ? 1 : 0;
    all_scores.push_back(score);
    if (fraud) {
      ++c.fraud;
      KindRow& k = c.kinds[label];
      ++k.labelled;
      k.rules_caught += r->second.flagged ? 1 : 0;
      k.combined_caught += combined ? 1 : 0;
      fraud_scores.push_back(score);
    } else {
      c.rules_fp += r->second.flagged ? 1 : 0;
      c.combined_fp += combined ? 1 : 0;
    }
  }
  if (c.events == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no held-out event (", holdout_percent,
        "% of accounts) has a decision in both files"));
  }
  if (c.fraud == 0) {
    return absl::FailedPreconditionError(
        "no labelled fraud among the held-out events: nothing to compare");
  }
  int64_t rules_tp = 0;
  for (const auto& [kind, k] : c.kinds) rules_tp += k.rules_caught;
  c.rules_recall = Ratio(rules_tp, c.fraud);
  // The highest threshold that catches as many fraud events as the rules.
  std::sort(fraud_scores.rbegin(), fraud_scores.rend());
  if (rules_tp > 0) {
    c.has_equal_recall = true;
    c.model_threshold = fraud_scores[static_cast<size_t>(rules_tp - 1)];
    int64_t caught = 0;
    for (float s : fraud_scores) caught += s >= c.model_threshold ? 1 : 0;
    c.model_recall = Ratio(caught, c.fraud);
    for (float s : all_scores) c.model_alerts += s >= c.model_threshold ? 1 : 0;
  }
  return c;
}

std::string RenderModelComparison(const ModelComparison& c) {
  std::string out = absl::StrFormat(
      "rules-only vs rules+model on held-out accounts (%d%%): %d events, %d "
      "labelled fraud, %d with a model score\n",
      c.holdout_percent, c.events, c.fraud, c.scored);
  absl::StrAppend(&out, absl::StrFormat(
                            "  %-24s %9s | %-27s | %-27s\n", "kind", "labelled",
                            "rules-only  caught  P     R     F1",
                            "rules+model caught  P     R     F1"));
  auto row = [&](const std::string& name, int64_t labelled, int64_t rc,
                 int64_t cc) {
    double rp = Ratio(rc, rc + c.rules_fp), rr = Ratio(rc, labelled);
    double cp = Ratio(cc, cc + c.combined_fp), cr = Ratio(cc, labelled);
    absl::StrAppend(
        &out, absl::StrFormat(
                  "  %-24s %9d | %11d %5.3f %5.3f %5.3f | %11d %5.3f %5.3f %5.3f\n",
                  name, labelled, rc, rp, rr, F1(rp, rr), cc, cp, cr,
                  F1(cp, cr)));
  };
  int64_t rt = 0, ct = 0;
  for (const auto& [kind, k] : c.kinds) {
    row(kind, k.labelled, k.rules_caught, k.combined_caught);
    rt += k.rules_caught;
    ct += k.combined_caught;
  }
  row("ALL", c.fraud, rt, ct);
  absl::StrAppend(
      &out,
      absl::StrFormat("  alerts: rules-only %d (%.3f%% of events), "
                      "rules+model %d (%.3f%%)\n",
                      c.rules_alerts, 100.0 * Ratio(c.rules_alerts, c.events),
                      c.combined_alerts,
                      100.0 * Ratio(c.combined_alerts, c.events)));
  if (c.has_equal_recall) {
    absl::StrAppend(
        &out,
        absl::StrFormat(
            "  at equal recall (%.3f): rules alert on %.3f%% of events, the "
            "model alone at score >= %.4f on %.3f%% (%d alerts, recall "
            "%.3f)\n",
            c.rules_recall, 100.0 * Ratio(c.rules_alerts, c.events),
            c.model_threshold, 100.0 * Ratio(c.model_alerts, c.events),
            c.model_alerts, c.model_recall));
  } else {
    absl::StrAppend(&out,
                    "  at equal recall: the rules catch nothing held out\n");
  }
  return out;
}

}  // namespace riskflow::report
