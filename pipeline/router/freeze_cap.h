// The FREEZE guard rail (DESIGN.md, "Router and sinks"): a detector may
// FREEZE at most so many events per minute of EVENT time; the excess goes to
// MANUAL_REVIEW with a FREEZE_CAP annotation, so one runaway detector (a bad
// parameter, a bad release, poisoned input) cannot freeze thousands of
// accounts before anyone looks.
//
// Replay-deterministic: the count is kept per (detector, event-time minute)
// in the shard's windowed state (pipeline/state), committed atomically with
// the decisions, so a restart, a recovery and a replay of the same log with
// the same shard count reproduce every capped decision. The cap is split
// across shards — each shard allows ceil(cap / shards) per minute — because
// shards decide in parallel and only a per-shard count is a deterministic
// function of the log order. See docs/plugin-output-and-guard-rails.md.
#ifndef RISKFLOW_PIPELINE_ROUTER_FREEZE_CAP_H_
#define RISKFLOW_PIPELINE_ROUTER_FREEZE_CAP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/state_spec.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::router {

// FREEZEs per detector per event-time minute when the config says nothing
// (a hand-built config; the YAML parser fills the same default in).
inline constexpr uint32_t kDefaultFreezeCapPerMinute =
    config::kDefaultFreezeCapPerMinute;
inline constexpr char kFreezeCapReason[] = "FREEZE_CAP";
// Annotations the guard rail adds name this as their detector.
inline constexpr char kRouterDetector[] = "router";

// The cap a detector config asks for: unset = the default, 0 = unlimited.
uint32_t FreezeCapPerMinute(const riskflow::v1::DetectorConfig& d);

// What one shard allows: ceil(cap / shards); 0 (unlimited) stays 0.
uint32_t FreezeCapShardShare(uint32_t cap_per_minute, uint32_t shard_count);

// One shard's guard rail for one pipeline version. Single-threaded, like
// the shard.
class FreezeCap {
 public:
  FreezeCap(const riskflow::v1::PipelineConfig& config, uint32_t shard_count,
            uint32_t shard_index);

  // Lets the store's expiry filter drop old minutes.
  void RegisterStates(storage::Store* store) const;

  // Call after routing (and allow/block lists). For each capped detector
  // that routed this decision to FREEZE: count it in the event's minute, or,
  // when the shard's share for that minute is used up, turn its FREEZE
  // annotations into MANUAL_REVIEW and add a FREEZE_CAP annotation. The
  // routes are then recomputed. `capped` gets the config index of every
  // detector capped on this decision.
  absl::Status Apply(state::ShardState* state, riskflow::v1::Decision* d,
                     std::vector<size_t>* capped) const;

 private:
  struct Cap {
    std::string detector;
    size_t index;
    uint32_t per_minute;
    uint32_t share;
    state::StateSpec spec;
  };
  std::vector<Cap> caps_;
  uint32_t shard_count_;
  // The state entity of this shard's counts. It names the shard count too:
  // after a restart with another count, every shard starts new counts
  // rather than inheriting another partition's.
  std::string entity_;
};

}  // namespace riskflow::router

#endif  // RISKFLOW_PIPELINE_ROUTER_FREEZE_CAP_H_
