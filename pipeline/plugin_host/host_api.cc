// The host services behind rf_host_api: state through the shard's
// write-back cache, annotations, the event-time clock, seeded randomness.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/common/logger.h"
#include "pipeline/plugin_host/entity_hints.h"
#include "pipeline/plugin_host/host_context.h"
#include "pipeline/plugin_host/partition_key.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/plugin_output.h"

namespace riskflow::plugin_host {
namespace {

std::string_view View(rf_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

CallContext* Call(rf_call_ctx* ctx) { return reinterpret_cast<CallContext*>(ctx); }

// Resolves a handle and checks the state kind; records why it failed.
const state::StateSpec* Spec(CallContext* c, rf_state_handle h,
                             std::initializer_list<state::StateKind> kinds) {
  if (c == nullptr || c->slot == nullptr) return nullptr;
  if (h >= c->slot->states.size()) {
    if (c->error.empty()) c->error = absl::StrCat("unknown state handle ", h);
    return nullptr;
  }
  const state::StateSpec& spec = c->slot->states[h];
  for (state::StateKind k : kinds) {
    if (spec.kind == k) return &spec;
  }
  if (c->error.empty()) {
    c->error = absl::StrCat("state '", spec.name,
                            "' does not support this operation");
  }
  return nullptr;
}

rf_status Fail(CallContext* c, const absl::Status& s) {
  if (c->error.empty()) c->error = std::string(s.message());
  return s.code() == absl::StatusCode::kInvalidArgument ? RF_INVALID_ARGUMENT
                                                        : RF_ERROR;
}

// Bounds a key, member or value a plugin passes to a state call.
bool KeyOk(CallContext* c, const char* what, rf_str bytes, size_t max_bytes) {
  absl::Status s = CheckStateBytes(what, View(bytes), max_bytes);
  if (s.ok()) return true;
  Fail(c, s);
  return false;
}

rf_status DeclareState(rf_init_ctx* ctx, const rf_state_spec* raw,
                       rf_state_handle* out) {
  auto* init = reinterpret_cast<InitContext*>(ctx);
  if (init == nullptr || raw == nullptr || out == nullptr) {
    return RF_INVALID_ARGUMENT;
  }
  DetectorSlot* slot = init->slot;
  if (raw->struct_size < offsetof(rf_state_spec, ttl_ms) + sizeof(int64_t) ||
      raw->name == nullptr || raw->name[0] == '\0') {
    init->error = "declare_state: malformed spec (struct_size or name)";
    return RF_INVALID_ARGUMENT;
  }
  if (absl::Status s = CheckStateName(raw->name); !s.ok()) {
    init->error = absl::StrCat("declare_state: ", s.message());
    return RF_INVALID_ARGUMENT;
  }
  state::StateSpec spec;
  spec.detector = slot->config.name();
  spec.name = raw->name;
  spec.id = state::StateId(spec.detector, spec.name);
  spec.window_ms = raw->window_ms;
  spec.bucket_ms = raw->bucket_ms;
  spec.ttl_ms = raw->ttl_ms;
  switch (raw->kind) {
    case RF_STATE_COUNTER: spec.kind = state::StateKind::kCounter; break;
    case RF_STATE_SUM: spec.kind = state::StateKind::kSum; break;
    case RF_STATE_DISTINCT: spec.kind = state::StateKind::kDistinct; break;
    case RF_STATE_LAST_SEEN: spec.kind = state::StateKind::kLastSeen; break;
    default:
      init->error = absl::StrCat("declare_state '", spec.name,
                                 "': unknown kind ", raw->kind);
      return RF_INVALID_ARGUMENT;
  }
  if (spec.kind != state::StateKind::kLastSeen &&
      (spec.window_ms <= 0 || spec.bucket_ms <= 0 ||
       spec.bucket_ms > spec.window_ms)) {
    init->error = absl::StrCat(
        "declare_state '", spec.name, "': needs window_ms > 0 and 0 < ",
        "bucket_ms <= window_ms (got ", spec.window_ms, ", ", spec.bucket_ms,
        ")");
    return RF_INVALID_ARGUMENT;
  }
  if (spec.ttl_ms < 0) {
    init->error = absl::StrCat("declare_state '", spec.name,
                               "': ttl_ms must not be negative");
    return RF_INVALID_ARGUMENT;
  }
  for (uint32_t i = 0; i < slot->states.size(); ++i) {
    const state::StateSpec& have = slot->states[i];
    if (have.name != spec.name) continue;
    if (have.kind != spec.kind || have.window_ms != spec.window_ms ||
        have.bucket_ms != spec.bucket_ms || have.ttl_ms != spec.ttl_ms) {
      init->error = absl::StrCat("declare_state '", spec.name,
                                 "': declared twice with different shapes");
      return RF_INVALID_ARGUMENT;
    }
    *out = i;
    return RF_OK;
  }
  if (slot->states_sealed) {
    init->error = absl::StrCat("declare_state '", spec.name,
                               "': instances must declare the same states");
    return RF_INVALID_ARGUMENT;
  }
  slot->states.push_back(spec);
  *out = static_cast<rf_state_handle>(slot->states.size() - 1);
  return RF_OK;
}

rf_status PartitionBy(rf_init_ctx* ctx, int32_t key) {
  auto* init = reinterpret_cast<InitContext*>(ctx);
  if (init == nullptr) return RF_INVALID_ARGUMENT;
  if (!ValidPartitionKey(key)) {
    init->error = absl::StrCat("partition_by: unknown key ", key);
    return RF_INVALID_ARGUMENT;
  }
  // Checked against the detector's other instances once create() returns
  // (ShardDetectors::Create).
  init->partition_key = key;
  return RF_OK;
}

rf_status WindowAdd(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                    int64_t value) {
  CallContext* c = Call(ctx);
  const state::StateSpec* spec =
      Spec(c, h, {state::StateKind::kCounter, state::StateKind::kSum});
  if (spec == nullptr) return RF_INVALID_ARGUMENT;
  if (!KeyOk(c, "entity", entity, kMaxStateKeyBytes)) return RF_INVALID_ARGUMENT;
  absl::Status s =
      c->state->WindowAdd(*spec, View(entity), c->event_time_ms, value);
  return s.ok() ? RF_OK : Fail(c, s);
}

rf_status WindowTotal(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                      int64_t window_ms, int64_t* out) {
  CallContext* c = Call(ctx);
  const state::StateSpec* spec =
      Spec(c, h, {state::StateKind::kCounter, state::StateKind::kSum});
  if (spec == nullptr || out == nullptr) return RF_INVALID_ARGUMENT;
  if (!KeyOk(c, "entity", entity, kMaxStateKeyBytes)) return RF_INVALID_ARGUMENT;
  absl::StatusOr<int64_t> total =
      c->state->WindowTotal(*spec, View(entity), c->event_time_ms, window_ms);
  if (!total.ok()) return Fail(c, total.status());
  // Sums saturate instead of wrapping (pipeline/state); the detector's
  // annotations then say so, since the true total is larger.
  if ((*total == INT64_MAX || *total == INT64_MIN) &&
      std::find(c->saturated_states.begin(), c->saturated_states.end(),
                spec->name) == c->saturated_states.end()) {
    c->saturated_states.push_back(spec->name);
  }
  *out = *total;
  return RF_OK;
}

rf_status DistinctAdd(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                      rf_str member) {
  CallContext* c = Call(ctx);
  const state::StateSpec* spec = Spec(c, h, {state::StateKind::kDistinct});
  if (spec == nullptr) return RF_INVALID_ARGUMENT;
  if (!KeyOk(c, "entity", entity, kMaxStateKeyBytes) ||
      !KeyOk(c, "member", member, kMaxStateKeyBytes)) {
    return RF_INVALID_ARGUMENT;
  }
  absl::Status s = c->state->DistinctAdd(*spec, View(entity),
                                         c->event_time_ms, View(member));
  return s.ok() ? RF_OK : Fail(c, s);
}

rf_status DistinctCount(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                        int64_t window_ms, int64_t* out) {
  CallContext* c = Call(ctx);
  const state::StateSpec* spec = Spec(c, h, {state::StateKind::kDistinct});
  if (spec == nullptr || out == nullptr) return RF_INVALID_ARGUMENT;
  if (!KeyOk(c, "entity", entity, kMaxStateKeyBytes)) return RF_INVALID_ARGUMENT;
  absl::StatusOr<int64_t> n = c->state->DistinctCount(
      *spec, View(entity), c->event_time_ms, window_ms);
  if (!n.ok()) return Fail(c, n.status());
  *out = *n;
  return RF_OK;
}

rf_status DistinctContains(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                           rf_str member, int64_t window_ms, int32_t* out) {
  CallContext* c = Call(ctx);
  const state::StateSpec* spec = Spec(c, h, {state::StateKind::kDistinct});
  if (spec == nullptr || out == nullptr) return RF_INVALID_ARGUMENT;
  if (!KeyOk(c, "entity", entity, kMaxStateKeyBytes) ||
      !KeyOk(c, "member", member, kMaxStateKeyBytes)) {
    return RF_INVALID_ARGUMENT;
  }
  absl::StatusOr<bool> has = c->state->DistinctContains(
      *spec, View(entity), c->event_time_ms, View(member), window_ms);
  if (!has.ok()) return Fail(c, has.status());
  *out = *has ? 1 : 0;
  return RF_OK;
}

rf_status LastGet(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                  rf_str* value_out, int64_t* time_out) {
  CallContext* c = Call(ctx);
  const state::StateSpec* spec = Spec(c, h, {state::StateKind::kLastSeen});
  if (spec == nullptr || value_out == nullptr) return RF_INVALID_ARGUMENT;
  if (!KeyOk(c, "entity", entity, kMaxStateKeyBytes)) return RF_INVALID_ARGUMENT;
  auto got = c->state->LastGet(*spec, View(entity), c->event_time_ms);
  if (!got.ok()) return Fail(c, got.status());
  if (!got->has_value()) return RF_NOT_FOUND;
  value_out->ptr = (*got)->first.data();
  value_out->len = (*got)->first.size();
  if (time_out != nullptr) *time_out = (*got)->second;
  return RF_OK;
}

rf_status LastPut(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                  rf_str value) {
  CallContext* c = Call(ctx);
  const state::StateSpec* spec = Spec(c, h, {state::StateKind::kLastSeen});
  if (spec == nullptr) return RF_INVALID_ARGUMENT;
  if (!KeyOk(c, "entity", entity, kMaxStateKeyBytes) ||
      !KeyOk(c, "value", value, kMaxStateValueBytes)) {
    return RF_INVALID_ARGUMENT;
  }
  absl::Status s = c->state->LastPut(*spec, View(entity), c->event_time_ms,
                                     View(value));
  return s.ok() ? RF_OK : Fail(c, s);
}

// The degraded annotation put in place of output the host refused.
void AddInvalidOutput(CallContext* c, const std::string& why) {
  ++c->invalid_outputs;
  riskflow::v1::Annotation& a = c->NewAnnotation();
  a.set_detector(c->slot->config.name());
  a.set_detector_version(c->slot->plugin->descriptor().version);
  a.set_reason_code(kInvalidPluginOutput);
  a.set_message(absl::StrCat("annotation rejected: ", why));
  a.set_degraded(true);
  riskflow::v1::Route route = c->slot->config.on_error();
  if (route == riskflow::v1::ROUTE_UNSPECIFIED) {
    route = riskflow::v1::MANUAL_REVIEW;
  }
  a.set_route(route);
  a.set_route_hint(route);
}

rf_status Annotate(rf_call_ctx* ctx, const rf_annotation* raw) {
  CallContext* c = Call(ctx);
  if (c == nullptr || raw == nullptr ||
      raw->struct_size < offsetof(rf_annotation, route_hint) + sizeof(int32_t)) {
    return RF_INVALID_ARGUMENT;
  }
  // Refused output is replaced, not reported as a failing call: the plugin
  // cannot repair it, and the fault annotation says exactly what was wrong.
  // Nothing of the refused bytes is copied.
  if (++c->annotate_calls > kMaxAnnotationsPerCall) {
    if (c->annotate_calls == kMaxAnnotationsPerCall + 1) {
      AddInvalidOutput(c, absl::StrCat("more than ", kMaxAnnotationsPerCall,
                                       " annotations for one event"));
    }
    return RF_OK;
  }
  if (absl::Status s = CheckAnnotation(*raw); !s.ok()) {
    AddInvalidOutput(c, std::string(s.message()));
    return RF_OK;
  }
  riskflow::v1::Annotation& a = c->NewAnnotation();
  a.set_detector(c->slot->config.name());
  a.set_detector_version(c->slot->plugin->descriptor().version);
  a.set_score(raw->score);
  a.set_reason_code(std::string(View(raw->reason_code)));
  a.set_message(std::string(View(raw->message)));
  for (size_t i = 0; i < raw->evidence_count; ++i) {
    riskflow::v1::Evidence* e = a.add_evidence();
    e->set_key(std::string(View(raw->evidence[i].key)));
    e->set_value(std::string(View(raw->evidence[i].value)));
  }
  if (raw->route_hint >= RF_ROUTE_UNSPECIFIED &&
      raw->route_hint <= RF_ROUTE_FREEZE) {
    a.set_route_hint(static_cast<riskflow::v1::Route>(raw->route_hint));
  }
  return RF_OK;
}

int64_t EventTimeMs(rf_call_ctx* ctx) {
  CallContext* c = Call(ctx);
  return c == nullptr ? 0 : c->event_time_ms;
}

uint64_t RandomU64(rf_call_ctx* ctx) {
  CallContext* c = Call(ctx);
  if (c == nullptr) return 0;
  if (!c->rng_seeded) {
    c->rng = sdk::SplitMix64(sdk::RandomSeed(c->slot->config.name(),
                                             c->channel_id, c->event_id));
    c->rng_seeded = true;
  }
  return c->rng.Next();
}

void Log(rf_call_ctx* ctx, rf_log_level level, rf_str message) {
  static const logging::Level kLevels[] = {
      logging::Level::kDebug, logging::Level::kInfo, logging::Level::kWarning,
      logging::Level::kError};
  const logging::Level to = (level >= RF_LOG_DEBUG && level <= RF_LOG_ERROR)
                                ? kLevels[level]
                                : logging::Level::kInfo;
  // Plugins may log per event: bounded so a chatty one cannot flood stderr.
  static logging::RateLimiter limiter(100, absl::Seconds(1));
  CallContext* c = Call(ctx);
  const std::string detector =
      c != nullptr && c->slot != nullptr ? c->slot->config.name() : "";
  // One bounded, valid line whatever the plugin passed.
  logging::LogRateLimited(limiter, to, {"plugin", -1, detector},
                          CleanText(View(message)));
}

}  // namespace

const rf_host_api* HostApi() {
  static const rf_host_api api = [] {
    rf_host_api a;
    std::memset(&a, 0, sizeof(a));
    a.struct_size = sizeof(a);
    a.declare_state = &DeclareState;
    a.window_add = &WindowAdd;
    a.window_total = &WindowTotal;
    a.distinct_add = &DistinctAdd;
    a.distinct_count = &DistinctCount;
    a.distinct_contains = &DistinctContains;
    a.last_get = &LastGet;
    a.last_put = &LastPut;
    a.annotate = &Annotate;
    a.event_time_ms = &EventTimeMs;
    a.random_u64 = &RandomU64;
    a.log = &Log;
    a.partition_by = &PartitionBy;
    a.hint_entity = &EventHints::HintEntity;
    return a;
  }();
  return &api;
}

}  // namespace riskflow::plugin_host
