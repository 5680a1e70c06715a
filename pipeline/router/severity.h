// Route severity: FREEZE > MANUAL_REVIEW > NOTIFY > PASS > ROUTE_UNSPECIFIED.
#ifndef RISKFLOW_PIPELINE_ROUTER_SEVERITY_H_
#define RISKFLOW_PIPELINE_ROUTER_SEVERITY_H_

#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace router {

// 0 for ROUTE_UNSPECIFIED up to 4 for FREEZE. Written out rather than
// taken from the enum numbers, so renumbering the proto cannot reorder
// severities. A value this build does not know (proto3 enums are open)
// gets -1: it never wins a merge against a known route.
int Severity(riskflow::v1::Route route);

// The more severe of the two; `a` on a tie.
riskflow::v1::Route MergeRoutes(riskflow::v1::Route a, riskflow::v1::Route b);

}  // namespace router
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_ROUTER_SEVERITY_H_
