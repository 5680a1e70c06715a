// Kept byte-identical to default_pipeline.yaml (default_pipeline_test checks
// it). The YAML file is what the docs link to; this copy is what ships.
#include "pipeline/config/default_pipeline.h"

#include <string_view>

namespace riskflow {
namespace config {
namespace {

constexpr std::string_view kDefaultPipelineYaml = R"yaml(
# The pipeline riskflowd runs when it is given no config file.
#
# This file is documentation: the daemon embeds the identical text from
# default_pipeline.cc, and default_pipeline_test fails if the two differ.
# Edit both together.
#
# Keys (unknown keys are errors):
#   name               pipeline name, shown in reports
#   shards             0 = one shard per core (at most 256)
#   allowed_lateness   events this far behind a shard's watermark are on
#                      time; later ones are processed and flagged late
#   max_batch_events   events per micro-batch commit (1..65536)
#   account_holds      true (the default): a FREEZE holds its account, so
#                      its later PAYMENT/PAYOUT/TRANSFER are FREEZE
#                      (ACCOUNT_HELD) until Admin.ReleaseHold; false: a
#                      FREEZE is only a sink entry (docs/account-holds.md)
#   detectors[]        run in this order for every event:
#     name             unique, [a-z0-9_]+; appears in annotations
#     plugin           plugin name on the plugin path, or a path to a .so
#     route            PASS, NOTIFY, MANUAL_REVIEW or FREEZE; if left out,
#                      the detector's own route hint is used
#     on_error         route when the detector errs or overruns its time
#                      budget (default MANUAL_REVIEW)
#     time_budget      per-event budget, e.g. 500us, 2ms (default 5ms)
#     quarantine_after consecutive faults before quarantine (default 1000)
#     params           checked by the plugin host against the plugin's
#                      schema; a list becomes a comma-joined string
# Durations: an integer and a unit: ms, s, m, h or d (e.g. 250ms, 5m, 7d).
# Amounts are in minor units of the currency (fen, cents).

name: default
shards: 0
allowed_lateness: 5m
max_batch_events: 2048
account_holds: true

detectors:
  # A burst of outgoing money from one account: more than 5 payments,
  # payouts or transfers within a minute. Often a compromised account being
  # drained, but also a busy merchant, so tell someone rather than block.
  - name: velocity_burst
    plugin: velocity
    route: NOTIFY
    params:
      max_events: 5
      window: 1m
      types: [PAYMENT, PAYOUT, TRANSFER]

  # The same signal at a rate no person produces: more than 20 in a minute
  # is a script. Hold the account first, ask questions after.
  - name: velocity_extreme
    plugin: velocity
    route: FREEZE
    params:
      max_events: 20
      window: 1m
      types: [PAYMENT, PAYOUT, TRANSFER]

  # Large payouts get a human look before the money leaves: from 100,000 CNY
  # (10,000,000 fen), or about the same in USD and EUR (cents).
  # Currencies not listed are not checked by this detector.
  - name: large_payout
    plugin: large_amount
    route: MANUAL_REVIEW
    params:
      thresholds: "CNY:10000000,USD:1500000,EUR:1300000"
      types: [PAYOUT]

  # The same payout (account, counterparty, amount) repeated within 10
  # minutes: a retry bug upstream or a replayed request paying out twice.
  - name: duplicate_payout
    plugin: duplicate_payout
    route: MANUAL_REVIEW
    params:
      window: 10m
      types: [PAYOUT]
)yaml";

}  // namespace

std::string_view DefaultPipelineYaml() {
  // Drop the newline that follows the raw string's opening delimiter.
  return kDefaultPipelineYaml.substr(1);
}

}  // namespace config
}  // namespace riskflow
