#include "pipeline/router/router.h"

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "pipeline/router/severity.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace router {
namespace {

using ::riskflow::v1::Annotation;
using ::riskflow::v1::Decision;
using ::riskflow::v1::Route;

// Unset, or a value this build does not know (from a newer plugin or
// config): either way it cannot be acted on, so the next fallback applies.
bool IsUsable(Route route) { return Severity(route) > 0; }

Route FirstUsable(std::initializer_list<Route> candidates) {
  for (Route r : candidates) {
    if (IsUsable(r)) return r;
  }
  return riskflow::v1::MANUAL_REVIEW;
}

}  // namespace

Router::Router(const riskflow::v1::PipelineConfig& config) {
  for (const riskflow::v1::DetectorConfig& d : config.detectors()) {
    // ValidatePipeline rejects duplicate names; if one slips through, the
    // first wins, matching the order the engine runs detectors in.
    policies_.emplace(d.name(), Policy{d.route(), d.on_error()});
  }
}

Route Router::RouteFor(const Annotation& annotation) const {
  auto it = policies_.find(annotation.detector());
  const Policy policy = it == policies_.end() ? Policy{} : it->second;
  if (annotation.degraded()) {
    return FirstUsable({annotation.route(), policy.on_error});
  }
  return FirstUsable({policy.route, annotation.route_hint()});
}

void Router::Decide(Decision* decision) const {
  for (Annotation& annotation : *decision->mutable_annotations()) {
    annotation.set_route(RouteFor(annotation));
  }
  SetRoutesFromAnnotations(decision);
}

void SetRoutesFromAnnotations(Decision* decision) {
  std::vector<Route> routes;
  for (const Annotation& annotation : decision->annotations()) {
    const Route route = annotation.route();
    if (route != riskflow::v1::PASS && IsUsable(route) &&
        std::find(routes.begin(), routes.end(), route) == routes.end()) {
      routes.push_back(route);
    }
  }
  if (routes.empty()) routes.push_back(riskflow::v1::PASS);
  std::sort(routes.begin(), routes.end(),
            [](Route a, Route b) { return Severity(a) > Severity(b); });
  decision->clear_routes();
  for (Route r : routes) decision->add_routes(r);
  decision->set_route(routes.front());
}

}  // namespace router
}  // namespace riskflow
