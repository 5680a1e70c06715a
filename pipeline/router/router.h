// The router turns a decision's annotations into its routes. Detectors only
// suggest (route_hint); the pipeline config decides.
//
// Not here yet: the FREEZE-per-minute guard rail and analyst overrides
// (DESIGN.md, "Router and sinks"); both need state and event time.
#ifndef RISKFLOW_PIPELINE_ROUTER_ROUTER_H_
#define RISKFLOW_PIPELINE_ROUTER_ROUTER_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace router {

class Router {
 public:
  // Copies what it needs; `config` need not outlive the Router.
  explicit Router(const riskflow::v1::PipelineConfig& config);

  // Sets each annotation's route, then decision->routes and
  // decision->route. For each annotation:
  //  - degraded (made by the failure policy): keeps its route if set,
  //    else the detector's configured on_error, else MANUAL_REVIEW;
  //  - otherwise: the detector's configured route if set, else the
  //    annotation's route_hint, else MANUAL_REVIEW. A finding nobody routed
  //    must reach a person, not vanish. Detectors missing from the config
  //    are routed by their hint the same way.
  // routes = the distinct non-PASS routes, most severe first, or [PASS].
  // Thread-safe: const and touches only `decision`.
  void Decide(riskflow::v1::Decision* decision) const;

 private:
  struct Policy {
    riskflow::v1::Route route = riskflow::v1::ROUTE_UNSPECIFIED;
    riskflow::v1::Route on_error = riskflow::v1::ROUTE_UNSPECIFIED;
  };

  riskflow::v1::Route RouteFor(
      const riskflow::v1::Annotation& annotation) const;

  absl::flat_hash_map<std::string, Policy> policies_;
};

// decision->routes = the distinct non-PASS routes of its annotations, most
// severe first, or [PASS]; decision->route = the first. Used by Decide and
// by whatever changes annotation routes afterwards (allow/block lists).
void SetRoutesFromAnnotations(riskflow::v1::Decision* decision);

}  // namespace router
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_ROUTER_ROUTER_H_
