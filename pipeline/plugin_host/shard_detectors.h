#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_SHARD_DETECTORS_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_SHARD_DETECTORS_H_

#include <chrono>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/plugin_host/crash_marker.h"
#include "pipeline/plugin_host/entity_hints.h"
#include "pipeline/plugin_host/host_context.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/state/shard_state.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::plugin_host {

class QuarantineStore;

// What the stages of one event that ran on a shard other than the event's
// home shard produced (docs/keyed-stages.md): per detector slot (index in
// Pipeline::detectors()), its annotations, degraded ones included.
struct StagePartial {
  std::vector<std::pair<uint32_t, std::vector<riskflow::v1::Annotation>>>
      slots;
};

// One shard's instances of every detector in a pipeline. Single-threaded:
// only the owning shard calls Run.
class ShardDetectors {
 public:
  ShardDetectors(Pipeline* pipeline, state::ShardState* state);
  ~ShardDetectors();
  ShardDetectors(const ShardDetectors&) = delete;
  ShardDetectors& operator=(const ShardDetectors&) = delete;

  // Creates this shard's instance of one detector.
  absl::Status Create(DetectorSlot* slot);

  // Runs every detector over the event and appends their annotations to
  // the decision. A detector that fails (error, exception turned error,
  // failing host call) contributes one degraded annotation routed by its
  // failure policy instead of what it emitted; repeated faults or budget
  // overruns quarantine it. Never drops the event.
  void Run(const log::LoggedEvent& event, riskflow::v1::Decision* decision);
  // Adds the call latencies gathered since the last call to each
  // detector's histogram (DetectorSlot::latency_us). The shard calls it
  // after each micro-batch, before the batch's decisions are visible.
  void FlushTimings();

  // Keyed stages (docs/keyed-stages.md); slot i is bit i (at most 64).
  // On the home shard: runs every detector but those in `remote_slots`,
  // whose annotations come from `remote`, all in detector order.
  void RunMerged(const log::LoggedEvent& event, uint64_t remote_slots,
                 const StagePartial& remote,
                 riskflow::v1::Decision* decision);
  // On a stage shard: runs only the detectors in `slots`, appending their
  // annotations to `out`, one entry per slot.
  void RunStages(const log::LoggedEvent& event, uint64_t slots,
                 StagePartial* out);

  // Entity hints (ABI 1.3; docs/plugin-guide.md, "Entity hints"): asks
  // the detectors that will run `event` on this shard for the entities
  // their on_event would touch, into `out` (cleared first). A decision
  // item (stage_slots == 0) asks every detector but those in
  // remote_slots, a stage item only those in stage_slots. Quarantined
  // detectors, detectors without the callback and those whose callback
  // threw are not asked. Each call is bracketed by the crash marker like
  // on_event. Changes no state, no decision and no fault count.
  void CollectHints(const log::LoggedEvent& event, uint64_t stage_slots,
                    uint64_t remote_slots, EventHints* out);
  // Whether any instance exports the callback (otherwise the shard skips
  // all hint work).
  bool has_hints() const { return hinting_ > 0; }
  // Once per micro-batch, before its first CollectHints: stamps the crash
  // marker's hint calls (see hint_clock_).
  void BeginHintBatch();

  // Crash containment (docs/plugin-faults.md): the shard's crash marker,
  // written around every detector call, and where quarantines are
  // persisted. Either may be null (replay, unit tests).
  void SetFaultContainment(CrashMarker* marker, QuarantineStore* quarantine);

 private:
  using HintsFn = rf_status (*)(void*, rf_hint_sink*, const rf_event_view*);
  struct Instance {
    DetectorSlot* slot;
    void* handle;
    uint32_t marker_name = CrashMarker::kInlineName;
    // The plugin's entity_hints (ABI 1.3), or null: none, or it threw.
    HintsFn hints = nullptr;
    // Call latencies not yet in slot->latency_us (FlushTimings).
    metrics::Histogram::Local latency;
  };
  void BuildView(const log::LoggedEvent& event);
  static void FillView(const log::LoggedEvent& event, rf_event_view* view,
                       std::vector<rf_kv>* attributes);
  void HintOne(Instance& inst, const log::LoggedEvent& event,
               EventHints* out);
  // One detector over the event in view_ (fault containment included).
  void RunOne(Instance& inst, const log::LoggedEvent& event,
              riskflow::v1::Decision* decision);
  void RecordFault(DetectorSlot* slot, uint64_t sequence,
                   const std::string& message);
  // Quarantines at once (persisted when a store is set).
  void Quarantine(DetectorSlot* slot, uint64_t sequence,
                  const std::string& reason);
  void AddDegraded(DetectorSlot* slot, const char* reason,
                   const std::string& message,
                   riskflow::v1::Decision* decision);

  Pipeline* pipeline_;
  state::ShardState* state_;
  std::vector<Instance> instances_;
  // Reused per event to avoid allocations on the hot path.
  std::vector<rf_kv> attributes_;
  rf_event_view view_;
  CallContext call_;
  // Timed calls read the clock once per call: a call's end is the next
  // call's start (BuildView resets it, so the first call of an event reads
  // its own). The host's few hundred nanoseconds between two calls are
  // charged to the second; budgets are milliseconds.
  std::chrono::steady_clock::time_point next_start_{};
  CrashMarker* marker_ = nullptr;
  QuarantineStore* quarantine_ = nullptr;

  // Entity hints: instances with the callback; the hinted event's view
  // (view_ belongs to the event being decided).
  int hinting_ = 0;
  std::vector<rf_kv> hint_attributes_;
  rf_event_view hint_view_;
  // The start time written into the crash marker for a hint call: the
  // later of the micro-batch's start (BeginHintBatch) and the end of the
  // last timed detector call (next_start_), so a few microseconds early at
  // most while the shard decides, and never older than the batch. The
  // watchdog's limit is seconds; a clock read per hint call would cost
  // 60-180 ns on this machine (docs/plugin-faults.md).
  int64_t hint_clock_ns_ = 0;
};

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_SHARD_DETECTORS_H_
