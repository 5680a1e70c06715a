// RenderJsonSummary: every key is always present (null when a part was not
// computed) so scripts need no existence checks, and maps are written in
// sorted order so two runs over the same input are byte-identical.
#include <algorithm>

#include "pipeline/report/json_writer.h"
#include "pipeline/report/report.h"
#include "pipeline/report/report_format.h"

namespace riskflow::report {
namespace {

void WriteRouteCounts(const std::array<int64_t, kMaxRouteId + 1>& counts,
                      JsonWriter* json) {
  json->BeginObject();
  for (RouteId route : RoutesToShow(counts)) {
    json->Key(RouteLabel(route)).Int(counts[route]);
  }
  json->EndObject();
}

void WriteConfusion(const Confusion& c, JsonWriter* json) {
  json->BeginObject()
      .Key("true_positives")
      .Int(c.true_positives)
      .Key("false_positives")
      .Int(c.false_positives)
      .Key("false_negatives")
      .Int(c.false_negatives)
      .Key("precision")
      .Ratio(c.precision())
      .Key("recall")
      .Ratio(c.recall())
      .Key("f1")
      .Ratio(c.f1())
      .EndObject();
}

void WriteListed(const DecisionSet& set,
                 const std::vector<ListedDecision>& listed, JsonWriter* json) {
  json->BeginArray();
  for (const ListedDecision& item : listed) {
    const DecisionRecord& r = set.record(item.index);
    json->BeginObject()
        .Key("decision_id")
        .String(set.id(item.index))
        .Key("label")
        .String(item.label)
        .Key("route")
        .String(SinkList(r))
        .Key("reasons")
        .String(ReasonList(set, item.index))
        .EndObject();
  }
  json->EndArray();
}

void WriteLabels(const DecisionSet& set, const LabelMetrics& m,
                 JsonWriter* json) {
  json->BeginObject()
      .Key("events")
      .Int(m.events)
      .Key("scored")
      .Int(m.scored)
      .Key("fraud")
      .Int(m.fraud)
      .Key("events_without_decision")
      .Int(m.events_without_decision)
      .Key("fraud_without_decision")
      .Int(m.fraud_without_decision)
      .Key("decisions_without_event")
      .Int(m.decisions_without_event);
  json->Key("overall");
  WriteConfusion(m.overall, json);
  json->Key("by_route").BeginObject();
  for (const auto& [route, c] : BySeverity(m.by_route)) {
    json->Key(RouteLabel(route));
    WriteConfusion(c, json);
  }
  json->EndObject().Key("by_detector").BeginObject();
  for (const auto& [detector, c] : m.by_detector) {
    json->Key(detector);
    WriteConfusion(c, json);
  }
  json->EndObject().Key("by_scenario").BeginObject();
  for (const auto& [scenario, counts] : m.by_scenario) {
    json->Key(scenario)
        .BeginObject()
        .Key("fraud")
        .Int(counts.fraud)
        .Key("caught")
        .Int(counts.caught)
        .Key("recall")
        .Ratio(counts.fraud == 0
                   ? 0.0
                   : static_cast<double>(counts.caught) / counts.fraud)
        .EndObject();
  }
  json->EndObject().Key("missed_total").Int(m.missed_total).Key("missed");
  WriteListed(set, m.missed, json);
  json->Key("wrong_total").Int(m.wrong_total).Key("wrong");
  WriteListed(set, m.wrong, json);
  json->EndObject();
}

void WriteSide(const ReportSide& side, JsonWriter* json) {
  const DecisionStats& s = side.stats;
  json->BeginObject()
      .Key("source")
      .String(side.decisions->source())
      .Key("pipeline_versions")
      .BeginArray();
  for (const std::string& v : side.decisions->pipeline_versions()) {
    json->String(v);
  }
  json->EndArray()
      .Key("decisions")
      .Int(s.total)
      .Key("duplicates")
      .Int(side.decisions->duplicates())
      .Key("late")
      .Int(s.late)
      .Key("degraded")
      .Int(s.degraded)
      .Key("suppressed")
      .Int(s.suppressed)
      .Key("without_event_time")
      .Int(s.without_time)
      .Key("first_event_time")
      .String(s.total > s.without_time ? FormatTimeMs(s.min_time_ms) : "")
      .Key("last_event_time")
      .String(s.total > s.without_time ? FormatTimeMs(s.max_time_ms) : "");
  json->Key("by_route");
  WriteRouteCounts(s.by_route, json);
  json->Key("by_sink");
  WriteRouteCounts(s.by_sink, json);
  json->Key("by_detector").BeginObject();
  for (const auto& [detector, counts] : s.by_detector) {
    json->Key(detector)
        .BeginObject()
        .Key("annotated")
        .Int(counts.annotated)
        .Key("flagged")
        .Int(counts.flagged)
        .EndObject();
  }
  json->EndObject().Key("labels");
  if (side.labels != nullptr) {
    WriteLabels(*side.decisions, *side.labels, json);
  } else {
    json->Null();
  }
  json->EndObject();
}

void WriteDecisionSide(const DecisionSet& set, uint32_t index,
                       JsonWriter* json) {
  json->BeginObject()
      .Key("route")
      .String(SinkList(set.record(index)))
      .Key("reasons")
      .String(ReasonList(set, index))
      .EndObject();
}

void WriteIds(const DecisionSet& set, const std::vector<uint32_t>& indices,
              size_t max_listed, JsonWriter* json) {
  json->BeginArray();
  for (size_t i = 0; i < indices.size() && i < max_listed; ++i) {
    json->String(set.id(indices[i]));
  }
  json->EndArray();
}

void WriteDiff(const ReportInput& input, JsonWriter* json) {
  const DiffResult& d = *input.diff;
  const DecisionSet& champion = *input.champion.decisions;
  const DecisionSet& challenger = *input.challenger->decisions;
  json->BeginObject()
      .Key("compared")
      .Int(d.compared)
      .Key("changed")
      .Int(d.changed())
      .Key("route_changed")
      .Int(d.route_changed)
      .Key("reasons_only_changed")
      .Int(d.reasons_only_changed)
      .Key("only_in_champion")
      .Int(d.only_in_champion.size())
      .Key("only_in_challenger")
      .Int(d.only_in_challenger.size())
      .Key("transitions")
      .BeginArray();
  for (const auto& [routes, count] : d.transitions) {
    json->BeginObject()
        .Key("from")
        .String(RouteLabel(routes.first))
        .Key("to")
        .String(RouteLabel(routes.second))
        .Key("count")
        .Int(count)
        .EndObject();
  }
  json->EndArray().Key("changes").BeginArray();
  for (size_t i = 0; i < d.changes.size() && i < input.max_listed; ++i) {
    const ChangedDecision& change = d.changes[i];
    json->BeginObject()
        .Key("decision_id")
        .String(champion.id(change.champion))
        .Key("route_changed")
        .Bool(change.route_changed)
        .Key("champion");
    WriteDecisionSide(champion, change.champion, json);
    json->Key("challenger");
    WriteDecisionSide(challenger, change.challenger, json);
    json->EndObject();
  }
  json->EndArray().Key("only_in_champion_ids");
  WriteIds(champion, d.only_in_champion, input.max_listed, json);
  json->Key("only_in_challenger_ids");
  WriteIds(challenger, d.only_in_challenger, input.max_listed, json);
  json->EndObject();
}

}  // namespace

std::string RenderJsonSummary(const ReportInput& input) {
  JsonWriter json;
  json.BeginObject().Key("champion");
  WriteSide(input.champion, &json);
  json.Key("challenger");
  if (input.challenger.has_value()) {
    WriteSide(*input.challenger, &json);
  } else {
    json.Null();
  }
  json.Key("diff");
  if (input.diff != nullptr && input.challenger.has_value()) {
    WriteDiff(input, &json);
  } else {
    json.Null();
  }
  json.Key("max_listed").Int(static_cast<int64_t>(input.max_listed));
  json.EndObject();
  return json.Finish();
}

}  // namespace riskflow::report
