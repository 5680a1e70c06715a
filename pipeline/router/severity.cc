#include "pipeline/router/severity.h"

#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace router {

int Severity(riskflow::v1::Route route) {
  switch (route) {
    case riskflow::v1::ROUTE_UNSPECIFIED:
      return 0;
    case riskflow::v1::PASS:
      return 1;
    case riskflow::v1::NOTIFY:
      return 2;
    case riskflow::v1::MANUAL_REVIEW:
      return 3;
    case riskflow::v1::FREEZE:
      return 4;
    default:
      return -1;
  }
}

riskflow::v1::Route MergeRoutes(riskflow::v1::Route a, riskflow::v1::Route b) {
  return Severity(b) > Severity(a) ? b : a;
}

}  // namespace router
}  // namespace riskflow
