#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_HOST_CONTEXT_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_HOST_CONTEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/state/shard_state.h"
#include "plugins/sdk/deterministic_random.h"
#include "plugins/sdk/riskflow_plugin.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::plugin_host {

struct DetectorSlot;

// What rf_init_ctx points at while a detector's create() runs.
struct InitContext {
  DetectorSlot* slot = nullptr;
  // Handles declared by this instance, checked against the slot's states.
  uint32_t next_handle = 0;
  std::string error;
  // What this instance declared through partition_by (ABI 1.1).
  int32_t partition_key = RF_PARTITION_ACCOUNT;
};

// What rf_call_ctx points at during one on_event() call.
struct CallContext {
  DetectorSlot* slot = nullptr;
  state::ShardState* state = nullptr;
  int64_t event_time_ms = 0;
  // Seeded on first use from (detector, channel, event id), exactly as the
  // fake host does (plugins/sdk/deterministic_random.h).
  std::string_view channel_id;
  std::string_view event_id;
  bool rng_seeded = false;
  sdk::SplitMix64 rng{0};
  // Annotations of this call: the first `annotation_count`; kept only if
  // the call succeeds. The vector is not cleared between calls: its
  // elements (emptied by FinishCall's swap into the decision, which hands
  // back a recycled one) are reused, so a detector that annotates does
  // not allocate and destroy an annotation with its evidence strings on
  // every event.
  std::vector<riskflow::v1::Annotation> annotations;
  size_t annotation_count = 0;
  // First failing host call, reported as the detector's fault.
  std::string error;

  // Output checks of this call (see plugin_output.h).
  // Annotations the plugin emitted, valid or not.
  uint32_t annotate_calls = 0;
  // Annotations replaced by an INVALID_PLUGIN_OUTPUT fault annotation.
  uint32_t invalid_outputs = 0;
  // Names of the states whose window total saturated at INT64_MAX/MIN.
  std::vector<std::string> saturated_states;

  // An empty annotation appended to this call's.
  riskflow::v1::Annotation& NewAnnotation() {
    if (annotation_count == annotations.size()) annotations.emplace_back();
    riskflow::v1::Annotation& a = annotations[annotation_count++];
    a.Clear();
    return a;
  }
  void ClearAnnotations() { annotation_count = 0; }

  void ResetOutputChecks() {
    annotate_calls = 0;
    invalid_outputs = 0;
    saturated_states.clear();
  }
};

// Moves the call's annotations into the decision, adding `sum_saturated`
// evidence to each when a window total saturated. Returns whether any
// output was invalid (the call then counts as a fault). plugin_output.cc.
bool FinishCall(CallContext* call, riskflow::v1::Decision* decision);

// The function table handed to every plugin.
const rf_host_api* HostApi();

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_HOST_CONTEXT_H_
