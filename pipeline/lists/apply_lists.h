#ifndef RISKFLOW_PIPELINE_LISTS_APPLY_LISTS_H_
#define RISKFLOW_PIPELINE_LISTS_APPLY_LISTS_H_

#include "pipeline/lists/list_store.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::lists {

// The detector name list annotations carry.
inline constexpr char kListsDetector[] = "lists";

// Applies allow / block lists to a routed decision:
//  - a BLOCK entry for the event's account, counterparty, device or ip adds
//    a BLOCKLIST annotation routed FREEZE;
//  - an ALLOW entry (an analyst override) sets every other detector's
//    routed annotation to PASS, keeping what it would have been in
//    suppressed_route / suppressed_by, and adds an ALLOWLIST annotation
//    naming what it suppressed. A block entry is never suppressed: an
//    explicit block wins over an allow.
// Then recomputes the decision's routes. Expiry is checked against the
// event's time.
void ApplyLists(const ListSnapshot& lists, const riskflow::v1::Event& event,
                riskflow::v1::Decision* decision);

}  // namespace riskflow::lists

#endif  // RISKFLOW_PIPELINE_LISTS_APPLY_LISTS_H_
