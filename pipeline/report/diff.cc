#include "pipeline/report/diff.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace riskflow::report {
namespace {

// The (detector, reason) ids of one decision, sorted and unique, in the
// champion's id space.
void ReasonKeys(const DecisionSet& set, size_t index,
                const std::vector<uint32_t>* translate,
                std::vector<uint32_t>* keys) {
  keys->clear();
  for (const AnnotationRef& a : set.annotations(index)) {
    keys->push_back(translate != nullptr ? (*translate)[a.reason] : a.reason);
  }
  std::sort(keys->begin(), keys->end());
  keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
}

}  // namespace

DiffResult Diff(const DecisionSet& champion, const DecisionSet& challenger) {
  DiffResult result;
  result.champion_stats = ComputeStats(champion);
  result.challenger_stats = ComputeStats(challenger);

  // The two sets interned reasons independently; map the challenger's ids
  // onto the champion's once (a few hundred entries) so each decision is
  // compared as integers. Reasons the champion never saw get fresh ids.
  const ReasonTable& theirs = challenger.reasons();
  std::vector<uint32_t> translate(theirs.size());
  uint32_t next_new = static_cast<uint32_t>(champion.reasons().size());
  for (uint32_t id = 0; id < theirs.size(); ++id) {
    std::optional<uint32_t> mine = champion.reasons().Find(
        theirs.detector_name(theirs.detector_of(id)), theirs.reason_code(id));
    translate[id] = mine.has_value() ? *mine : next_new++;
  }

  std::vector<uint32_t> champion_keys;
  std::vector<uint32_t> challenger_keys;
  for (size_t i = 0; i < champion.size(); ++i) {
    std::optional<size_t> j = challenger.Find(champion.id(i));
    if (!j.has_value()) {
      result.only_in_champion.push_back(static_cast<uint32_t>(i));
      continue;
    }
    ++result.compared;
    const DecisionRecord& a = champion.record(i);
    const DecisionRecord& b = challenger.record(*j);
    ChangedDecision change;
    change.champion = static_cast<uint32_t>(i);
    change.challenger = static_cast<uint32_t>(*j);
    change.route_changed = a.route != b.route || a.routes_mask != b.routes_mask;
    ReasonKeys(champion, i, nullptr, &champion_keys);
    ReasonKeys(challenger, *j, &translate, &challenger_keys);
    change.reasons_changed = champion_keys != challenger_keys;
    if (!change.route_changed && !change.reasons_changed) continue;
    if (change.route_changed) {
      ++result.route_changed;
      ++result.transitions[{a.route, b.route}];
    } else {
      ++result.reasons_only_changed;
    }
    result.changes.push_back(change);
  }
  for (size_t j = 0; j < challenger.size(); ++j) {
    if (!champion.Find(challenger.id(j)).has_value()) {
      result.only_in_challenger.push_back(static_cast<uint32_t>(j));
    }
  }
  return result;
}

std::string ReasonList(const DecisionSet& set, size_t index) {
  std::vector<std::string> parts;
  for (const AnnotationRef& a : set.annotations(index)) {
    std::string part =
        absl::StrCat(set.reasons().Label(a.reason), "->", RouteLabel(a.route));
    if (IsFlaggingRoute(a.suppressed_route)) {
      absl::StrAppend(&part, " (allow-listed, was ",
                      RouteLabel(a.suppressed_route), ")");
    }
    if (a.degraded) absl::StrAppend(&part, " (degraded)");
    parts.push_back(std::move(part));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

std::string SinkList(const DecisionRecord& record) {
  std::vector<std::string> names;
  for (RouteId route : kRoutesBySeverity) {
    if (record.routes_mask & (1u << route)) names.push_back(RouteLabel(route));
  }
  if (names.empty()) return RouteLabel(record.route);
  return absl::StrJoin(names, "+");
}

}  // namespace riskflow::report
