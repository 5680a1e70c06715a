#include "plugins/sdk/fake_host_callbacks.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/window_math.h"

namespace riskflow {
namespace sdk {
namespace {

bool ValidStr(rf_str s) { return s.ptr != nullptr || s.len == 0; }
std::string_view View(rf_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}
rf_str Str(const std::string& s) { return rf_str{s.data(), s.size()}; }

// log() may be called with a NULL context; it then goes to the host whose
// create() / on_event() is running on this thread.
thread_local FakeHost* current_host = nullptr;

}  // namespace

namespace fake_host_internal {

CurrentHostScope::CurrentHostScope(FakeHost* host) : saved_(current_host) {
  current_host = host;
}
CurrentHostScope::~CurrentHostScope() { current_host = saved_; }

FakeHost* CurrentHost() { return current_host; }

}  // namespace fake_host_internal

// The C callbacks of rf_host_api; a friend so they can reach the host's
// private state without widening its public API.
struct FakeHostCallbacks {
  using CtxBase = FakeHost::CtxBase;
  using EntityState = FakeHost::EntityState;

  static CtxBase* Base(void* ctx) { return static_cast<CtxBase*>(ctx); }

  static rf_status PartitionBy(rf_init_ctx* raw, int32_t key) {
    CtxBase* ctx = Base(raw);
    if (ctx == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = ctx->host;
    if (ctx != &host->init_ctx_ || !ctx->active) {
      return host->Refuse("partition_by: only valid during create()");
    }
    if (key < RF_PARTITION_ACCOUNT || key > RF_PARTITION_IP) {
      return host->Refuse("partition_by: unknown key " + std::to_string(key));
    }
    host->partition_key_ = static_cast<rf_partition_key>(key);
    return RF_OK;
  }

  static rf_status DeclareState(rf_init_ctx* raw, const rf_state_spec* spec,
                                rf_state_handle* out) {
    CtxBase* ctx = Base(raw);
    if (ctx == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = ctx->host;
    if (ctx != &host->init_ctx_ || !ctx->active) {
      return host->Refuse("declare_state: only valid during create()");
    }
    if (spec == nullptr || out == nullptr) {
      return host->Refuse("declare_state: null spec or out");
    }
    if (spec->struct_size < sizeof(rf_state_spec)) {
      return host->Refuse("declare_state: struct_size " +
                          std::to_string(spec->struct_size) + " < " +
                          std::to_string(sizeof(rf_state_spec)));
    }
    if (spec->name == nullptr || spec->name[0] == '\0') {
      return host->Refuse("declare_state: state has no name");
    }
    std::string name = spec->name;
    std::string where = "declare_state '" + name + "': ";
    switch (spec->kind) {
      case RF_STATE_COUNTER:
      case RF_STATE_SUM:
      case RF_STATE_DISTINCT:
        // Same rule as the real host (pipeline/plugin_host): a bucket wider
        // than the window would make every window a single bucket.
        if (spec->window_ms < 1 || spec->bucket_ms < 1 ||
            spec->bucket_ms > spec->window_ms) {
          return host->Refuse(where +
                              "needs window_ms >= 1 and 1 <= bucket_ms <= "
                              "window_ms");
        }
        // A TTL shorter than the window would let expiry (compaction timing
        // in the real host) change window totals.
        if (spec->ttl_ms < 0 ||
            (spec->ttl_ms > 0 && spec->ttl_ms < spec->window_ms)) {
          return host->Refuse(where + "ttl_ms must be 0 or >= window_ms");
        }
        break;
      case RF_STATE_LAST_SEEN:
        if (spec->ttl_ms < 0) return host->Refuse(where + "ttl_ms < 0");
        break;
      default:
        return host->Refuse(where + "unknown kind " +
                            std::to_string(static_cast<int>(spec->kind)));
    }
    for (size_t i = 0; i < host->states_.size(); ++i) {
      const rf_state_spec& old = host->states_[i].spec;
      if (host->states_[i].name != name) continue;
      if (old.kind != spec->kind || old.window_ms != spec->window_ms ||
          old.bucket_ms != spec->bucket_ms || old.ttl_ms != spec->ttl_ms) {
        return host->Refuse(where + "declared twice with different specs");
      }
      *out = static_cast<rf_state_handle>(i + 1);
      return RF_OK;
    }
    FakeHost::StateDecl decl;
    decl.spec = *spec;
    decl.spec.struct_size = sizeof(rf_state_spec);
    decl.name = name;
    decl.spec.name = nullptr;  // never read: decl.name is the owner
    host->states_.push_back(std::move(decl));
    *out = static_cast<rf_state_handle>(host->states_.size());
    return RF_OK;
  }

  static rf_status WindowAdd(rf_call_ctx* raw, rf_state_handle h, rf_str entity,
                             int64_t value) {
    if (raw == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = Base(raw)->host;
    const auto* decl = host->Lookup("window_add", Base(raw), h,
                                    RF_STATE_COUNTER, RF_STATE_SUM);
    if (decl == nullptr) return RF_INVALID_ARGUMENT;
    if (!ValidStr(entity)) return host->Refuse("window_add: null entity");
    int64_t bucket =
        BucketOf(host->event_->event_time_ms, decl->spec.bucket_ms);
    // Behind the horizon: no event can ever read it (FakeHost::set_watermark).
    if (bucket < host->HorizonBucket(*decl)) return RF_OK;
    int64_t& total = host->Entity(h, View(entity)).totals[bucket];
    // Saturates like the real host (pipeline/state), never wraps.
    total = SaturatingAdd(total, value);
    return RF_OK;
  }

  static rf_status WindowTotal(rf_call_ctx* raw, rf_state_handle h,
                               rf_str entity, int64_t window_ms, int64_t* out) {
    if (raw == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = Base(raw)->host;
    const auto* decl = host->Lookup("window_total", Base(raw), h,
                                    RF_STATE_COUNTER, RF_STATE_SUM);
    if (decl == nullptr) return RF_INVALID_ARGUMENT;
    if (!ValidStr(entity) || out == nullptr) {
      return host->Refuse("window_total: null entity or out");
    }
    if (!host->CheckWindow("window_total", *decl, window_ms)) {
      return RF_INVALID_ARGUMENT;
    }
    BucketRange range = WindowBuckets(host->event_->event_time_ms, window_ms,
                                      decl->spec.bucket_ms);
    range.first = std::max(range.first, host->HorizonBucket(*decl));
    int64_t sum = 0;
    auto it = host->data_.find({h, std::string(View(entity))});
    if (it != host->data_.end()) {
      const auto& totals = it->second.totals;
      for (auto b = totals.lower_bound(range.first);
           b != totals.end() && b->first <= range.last; ++b) {
        sum = SaturatingAdd(sum, b->second);
      }
    }
    *out = sum;
    return RF_OK;
  }

  static rf_status DistinctAdd(rf_call_ctx* raw, rf_state_handle h,
                               rf_str entity, rf_str member) {
    if (raw == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = Base(raw)->host;
    const auto* decl = host->Lookup("distinct_add", Base(raw), h,
                                    RF_STATE_DISTINCT, RF_STATE_DISTINCT);
    if (decl == nullptr) return RF_INVALID_ARGUMENT;
    if (!ValidStr(entity) || !ValidStr(member)) {
      return host->Refuse("distinct_add: null entity or member");
    }
    int64_t bucket =
        BucketOf(host->event_->event_time_ms, decl->spec.bucket_ms);
    if (bucket < host->HorizonBucket(*decl)) return RF_OK;
    host->Entity(h, View(entity)).members[std::string(View(member))][bucket] =
        1;
    return RF_OK;
  }

  // Whether one member's buckets (ordered) include one inside range.
  static bool SeenIn(const std::map<int64_t, int>& buckets, BucketRange range) {
    auto b = buckets.lower_bound(range.first);
    return b != buckets.end() && b->first <= range.last;
  }

  static rf_status DistinctCount(rf_call_ctx* raw, rf_state_handle h,
                                 rf_str entity, int64_t window_ms,
                                 int64_t* out) {
    if (raw == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = Base(raw)->host;
    const auto* decl = host->Lookup("distinct_count", Base(raw), h,
                                    RF_STATE_DISTINCT, RF_STATE_DISTINCT);
    if (decl == nullptr) return RF_INVALID_ARGUMENT;
    if (!ValidStr(entity) || out == nullptr) {
      return host->Refuse("distinct_count: null entity or out");
    }
    if (!host->CheckWindow("distinct_count", *decl, window_ms)) {
      return RF_INVALID_ARGUMENT;
    }
    BucketRange range = WindowBuckets(host->event_->event_time_ms, window_ms,
                                      decl->spec.bucket_ms);
    range.first = std::max(range.first, host->HorizonBucket(*decl));
    int64_t count = 0;
    auto it = host->data_.find({h, std::string(View(entity))});
    if (it != host->data_.end()) {
      for (const auto& [member, buckets] : it->second.members) {
        if (SeenIn(buckets, range)) ++count;
      }
    }
    *out = count;
    return RF_OK;
  }

  static rf_status DistinctContains(rf_call_ctx* raw, rf_state_handle h,
                                    rf_str entity, rf_str member,
                                    int64_t window_ms, int32_t* out) {
    if (raw == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = Base(raw)->host;
    const auto* decl = host->Lookup("distinct_contains", Base(raw), h,
                                    RF_STATE_DISTINCT, RF_STATE_DISTINCT);
    if (decl == nullptr) return RF_INVALID_ARGUMENT;
    if (!ValidStr(entity) || !ValidStr(member) || out == nullptr) {
      return host->Refuse("distinct_contains: null entity, member or out");
    }
    if (!host->CheckWindow("distinct_contains", *decl, window_ms)) {
      return RF_INVALID_ARGUMENT;
    }
    BucketRange range = WindowBuckets(host->event_->event_time_ms, window_ms,
                                      decl->spec.bucket_ms);
    range.first = std::max(range.first, host->HorizonBucket(*decl));
    *out = 0;
    auto it = host->data_.find({h, std::string(View(entity))});
    if (it != host->data_.end()) {
      auto m = it->second.members.find(std::string(View(member)));
      if (m != it->second.members.end() && SeenIn(m->second, range)) *out = 1;
    }
    return RF_OK;
  }

  static rf_status LastGet(rf_call_ctx* raw, rf_state_handle h, rf_str entity,
                           rf_str* value_out, int64_t* event_time_ms_out) {
    if (raw == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = Base(raw)->host;
    const auto* decl = host->Lookup("last_get", Base(raw), h,
                                    RF_STATE_LAST_SEEN, RF_STATE_LAST_SEEN);
    if (decl == nullptr) return RF_INVALID_ARGUMENT;
    if (!ValidStr(entity) || value_out == nullptr) {
      return host->Refuse("last_get: null entity or value_out");
    }
    auto it = host->data_.find({h, std::string(View(entity))});
    if (it == host->data_.end() || !it->second.has_last) return RF_NOT_FOUND;
    const EntityState& e = it->second;
    // The ttl is a window like any other (docs/windows.md): a value stored
    // ttl or more before the event is gone.
    int64_t ttl = decl->spec.ttl_ms;
    if (ttl > 0 &&
        BeforeWindow(host->event_->event_time_ms, e.last_time_ms, ttl)) {
      return RF_NOT_FOUND;
    }
    if (host->BehindHorizon(*decl, e.last_time_ms)) return RF_NOT_FOUND;
    // A copy: the plugin may last_put the same entity before it is done
    // reading, and the ABI promises the bytes until on_event returns.
    host->call_scratch_.push_back(std::make_unique<std::string>(e.last_value));
    *value_out = Str(*host->call_scratch_.back());
    if (event_time_ms_out != nullptr) *event_time_ms_out = e.last_time_ms;
    return RF_OK;
  }

  static rf_status LastPut(rf_call_ctx* raw, rf_state_handle h, rf_str entity,
                           rf_str value) {
    if (raw == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = Base(raw)->host;
    const auto* decl = host->Lookup("last_put", Base(raw), h,
                                    RF_STATE_LAST_SEEN, RF_STATE_LAST_SEEN);
    if (decl == nullptr) return RF_INVALID_ARGUMENT;
    if (!ValidStr(entity) || !ValidStr(value)) {
      return host->Refuse("last_put: null entity or value");
    }
    EntityState& e = host->Entity(h, View(entity));
    e.has_last = true;
    e.last_value = std::string(View(value));
    e.last_time_ms = host->event_->event_time_ms;
    return RF_OK;
  }

  static rf_status Annotate(rf_call_ctx* raw, const rf_annotation* a) {
    CtxBase* ctx = Base(raw);
    if (ctx == nullptr) return RF_INVALID_ARGUMENT;
    FakeHost* host = ctx->host;
    if (ctx != &host->call_ctx_ || !ctx->active) {
      return host->Refuse("annotate: only valid during on_event()");
    }
    if (a == nullptr || a->struct_size < sizeof(rf_annotation)) {
      return host->Refuse("annotate: null annotation or struct_size too small");
    }
    if (!std::isfinite(a->score) || a->reason_code.len == 0 ||
        !ValidStr(a->reason_code) || !ValidStr(a->message) ||
        (a->evidence == nullptr && a->evidence_count > 0)) {
      return host->Refuse(
          "annotate: needs a finite score, a reason_code and valid strings");
    }
    FakeAnnotation copy;
    copy.detector = host->detector_name_;
    copy.score = a->score;
    copy.reason_code = std::string(View(a->reason_code));
    copy.message = std::string(View(a->message));
    for (size_t i = 0; i < a->evidence_count; ++i) {
      copy.evidence.emplace_back(std::string(View(a->evidence[i].key)),
                                 std::string(View(a->evidence[i].value)));
    }
    copy.route_hint = a->route_hint;
    host->last_annotations_.push_back(std::move(copy));
    return RF_OK;
  }

  static int64_t EventTimeMs(rf_call_ctx* raw) {
    CtxBase* ctx = Base(raw);
    if (ctx == nullptr || ctx != &ctx->host->call_ctx_ || !ctx->active) {
      if (ctx != nullptr)
        ctx->host->Refuse("event_time_ms: outside on_event()");
      return 0;
    }
    return ctx->host->event_->event_time_ms;
  }

  static uint64_t RandomU64(rf_call_ctx* raw) {
    CtxBase* ctx = Base(raw);
    if (ctx == nullptr || ctx != &ctx->host->call_ctx_ || !ctx->active) {
      if (ctx != nullptr) ctx->host->Refuse("random_u64: outside on_event()");
      return 0;
    }
    return ctx->host->random_.Next();
  }

  static void Log(rf_call_ctx* raw, rf_log_level level, rf_str message) {
    FakeHost* host = raw != nullptr ? Base(raw)->host : current_host;
    if (host == nullptr) return;
    host->logs_.push_back(FakeLogLine{level, std::string(View(message))});
  }
};

namespace fake_host_internal {
namespace {

void HintEntity(rf_hint_sink* sink, rf_str entity) {
  if (sink == nullptr) return;
  auto* out = reinterpret_cast<std::vector<std::string>*>(sink);
  out->emplace_back(entity.ptr == nullptr ? std::string()
                                          : std::string(entity.ptr, entity.len));
}

}  // namespace

rf_hint_sink* HintSinkFor(std::vector<std::string>* out) {
  return reinterpret_cast<rf_hint_sink*>(out);
}

rf_host_api MakeHostApi() {
  rf_host_api api;
  std::memset(&api, 0, sizeof(api));
  api.struct_size = sizeof(api);
  api.declare_state = &FakeHostCallbacks::DeclareState;
  api.window_add = &FakeHostCallbacks::WindowAdd;
  api.window_total = &FakeHostCallbacks::WindowTotal;
  api.distinct_add = &FakeHostCallbacks::DistinctAdd;
  api.distinct_count = &FakeHostCallbacks::DistinctCount;
  api.distinct_contains = &FakeHostCallbacks::DistinctContains;
  api.last_get = &FakeHostCallbacks::LastGet;
  api.last_put = &FakeHostCallbacks::LastPut;
  api.annotate = &FakeHostCallbacks::Annotate;
  api.event_time_ms = &FakeHostCallbacks::EventTimeMs;
  api.random_u64 = &FakeHostCallbacks::RandomU64;
  api.log = &FakeHostCallbacks::Log;
  api.partition_by = &FakeHostCallbacks::PartitionBy;
  api.hint_entity = &HintEntity;
  return api;
}

}  // namespace fake_host_internal
}  // namespace sdk
}  // namespace riskflow
