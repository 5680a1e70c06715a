// riskflow_sdk.h — header-only C++17 SDK over the C ABI in riskflow_plugin.h.
//
// A detector is a class derived from riskflow::sdk::Detector with
//   Status Init(InitContext& ctx, const Params& params);   // declare state
//   Status OnEvent(Context& ctx, const Event& event);      // per event
// optionally (ABI 1.3)
//   void EntityHints(const Event& event, Hints& hints) const override;
// naming the state entities OnEvent would touch (a prefetch hint), and one
// RISKFLOW_DETECTOR(...) line that generates the exported C entry
// point. Exceptions never cross the boundary: the generated callbacks catch
// everything and turn it into an error the host reports.
//
// Only the standard library is used here, so a plugin does not depend on
// the host's Abseil or protobuf builds (see docs/plugin-guide.md).
#ifndef RISKFLOW_PLUGINS_SDK_RISKFLOW_SDK_H_
#define RISKFLOW_PLUGINS_SDK_RISKFLOW_SDK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow {
namespace sdk {

inline rf_str ToRf(std::string_view s) { return rf_str{s.data(), s.size()}; }
inline std::string_view FromRf(rf_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

// A minimal status: plugins must not depend on absl::Status (no ABI promise).
class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.ok_ = false;
    s.message_ = std::move(message);
    return s;
  }
  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }

 private:
  bool ok_ = true;
  std::string message_;
};

// Parameters after the host validated them against the declared schema.
class Params {
 public:
  Params(const rf_param_value* values, size_t count)
      : values_(values), count_(count) {}

  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  int64_t Int(std::string_view name, int64_t fallback = 0) const {
    const rf_param_value* v = Find(name);
    return v ? v->int_value : fallback;
  }
  // Durations arrive normalised to milliseconds.
  int64_t DurationMs(std::string_view name, int64_t fallback = 0) const {
    return Int(name, fallback);
  }
  double Double(std::string_view name, double fallback = 0) const {
    const rf_param_value* v = Find(name);
    return v ? v->double_value : fallback;
  }
  bool Bool(std::string_view name, bool fallback = false) const {
    const rf_param_value* v = Find(name);
    return v ? v->int_value != 0 : fallback;
  }
  std::string String(std::string_view name, std::string fallback = "") const {
    const rf_param_value* v = Find(name);
    return v ? std::string(FromRf(v->text)) : fallback;
  }
  // A FILE parameter (ABI 1.2): the file's contents, read by the host; empty
  // when the parameter is absent. Valid during Init only (copy what you keep).
  std::string_view FileContents(std::string_view name) const {
    const rf_param_value* v = Find(name);
    return v ? FromRf(v->text) : std::string_view();
  }
  // Comma-separated list, items trimmed of spaces, empty items dropped.
  std::vector<std::string> List(std::string_view name) const {
    std::vector<std::string> out;
    const rf_param_value* v = Find(name);
    if (v == nullptr) return out;
    std::string_view text = FromRf(v->text);
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      if (comma == std::string_view::npos) comma = text.size();
      std::string_view item = text.substr(start, comma - start);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) out.emplace_back(item);
      start = comma + 1;
    }
    return out;
  }

 private:
  const rf_param_value* Find(std::string_view name) const {
    for (size_t i = 0; i < count_; ++i) {
      if (FromRf(values_[i].name) == name) return &values_[i];
    }
    return nullptr;
  }
  const rf_param_value* values_;
  size_t count_;
};

// Maps event type names ("PAYOUT") to rf_event_type; RF_EVENT_UNSPECIFIED
// when unknown.
inline rf_event_type EventTypeFromName(std::string_view name) {
  static const std::pair<const char*, rf_event_type> kNames[] = {
      {"PAYMENT", RF_EVENT_PAYMENT},
      {"PAYOUT", RF_EVENT_PAYOUT},
      {"TRANSFER", RF_EVENT_TRANSFER},
      {"REFUND", RF_EVENT_REFUND},
      {"LOGIN", RF_EVENT_LOGIN},
      {"AUTH_FAILURE", RF_EVENT_AUTH_FAILURE},
      {"PROFILE_CHANGE", RF_EVENT_PROFILE_CHANGE},
      {"BALANCE_SNAPSHOT", RF_EVENT_BALANCE_SNAPSHOT},
      {"DEPOSIT", RF_EVENT_DEPOSIT},
  };
  for (const auto& [n, t] : kNames) {
    if (name == n) return t;
  }
  return RF_EVENT_UNSPECIFIED;
}

// A read-only event; valid only during OnEvent.
class Event {
 public:
  explicit Event(const rf_event_view* v) : v_(v) {}
  uint64_t sequence() const { return v_->sequence; }
  std::string_view event_id() const { return FromRf(v_->event_id); }
  std::string_view channel_id() const { return FromRf(v_->channel_id); }
  rf_event_type type() const { return static_cast<rf_event_type>(v_->type); }
  int64_t event_time_ms() const { return v_->event_time_ms; }
  std::string_view account_id() const { return FromRf(v_->account_id); }
  std::string_view counterparty() const { return FromRf(v_->counterparty); }
  int64_t amount_minor() const { return v_->amount_minor; }
  std::string_view currency() const { return FromRf(v_->currency); }
  int64_t source_amount_minor() const { return v_->source_amount_minor; }
  std::string_view source_currency() const {
    return FromRf(v_->source_currency);
  }
  double fx_rate() const { return v_->fx_rate; }
  std::string_view country() const { return FromRf(v_->country); }
  std::string_view counterparty_country() const {
    return FromRf(v_->counterparty_country);
  }
  double latitude() const { return v_->latitude; }
  double longitude() const { return v_->longitude; }
  std::string_view ip() const { return FromRf(v_->ip); }
  std::string_view device_id() const { return FromRf(v_->device_id); }
  std::optional<std::string_view> Attribute(std::string_view key) const {
    for (size_t i = 0; i < v_->attribute_count; ++i) {
      if (FromRf(v_->attributes[i].key) == key) {
        return FromRf(v_->attributes[i].value);
      }
    }
    return std::nullopt;
  }
  const rf_event_view& raw() const { return *v_; }

 private:
  const rf_event_view* v_;
};

struct Annotation {
  double score = 1.0;
  std::string reason_code;
  std::string message;
  std::vector<std::pair<std::string, std::string>> evidence;
  rf_route route_hint = RF_ROUTE_UNSPECIFIED;
};

using StateHandle = rf_state_handle;

class InitContext {
 public:
  InitContext(const rf_host_api* host, rf_init_ctx* ctx)
      : host_(host), ctx_(ctx) {}

  // Sliding-window count / sum / distinct over window_ms at bucket_ms
  // granularity; ttl_ms = 0 keeps data for the window only.
  Status DeclareCounter(const char* name, int64_t window_ms, int64_t bucket_ms,
                        StateHandle* out, int64_t ttl_ms = 0) {
    return Declare(name, RF_STATE_COUNTER, window_ms, bucket_ms, ttl_ms, out);
  }
  Status DeclareSum(const char* name, int64_t window_ms, int64_t bucket_ms,
                    StateHandle* out, int64_t ttl_ms = 0) {
    return Declare(name, RF_STATE_SUM, window_ms, bucket_ms, ttl_ms, out);
  }
  Status DeclareDistinct(const char* name, int64_t window_ms,
                         int64_t bucket_ms, StateHandle* out,
                         int64_t ttl_ms = 0) {
    return Declare(name, RF_STATE_DISTINCT, window_ms, bucket_ms, ttl_ms, out);
  }
  // Latest value per entity; ttl_ms = 0 never expires.
  Status DeclareLastSeen(const char* name, StateHandle* out,
                         int64_t ttl_ms = 0) {
    return Declare(name, RF_STATE_LAST_SEEN, 0, 0, ttl_ms, out);
  }
  // The event field this detector's state is keyed by (ABI 1.1): the host
  // runs the detector on the shard owning that value (docs/keyed-stages.md).
  // Not calling it means RF_PARTITION_ACCOUNT.
  Status PartitionBy(rf_partition_key key) {
    if (host_->struct_size <
            offsetof(rf_host_api, partition_by) + sizeof(host_->partition_by) ||
        host_->partition_by == nullptr) {
      if (key == RF_PARTITION_ACCOUNT) return Status::Ok();
      return Status::Error(
          "this host predates partition_by (ABI 1.1); cannot key by anything "
          "but the account");
    }
    if (host_->partition_by(ctx_, static_cast<int32_t>(key)) != RF_OK) {
      return Status::Error("host refused partition_by");
    }
    return Status::Ok();
  }

 private:
  Status Declare(const char* name, rf_state_kind kind, int64_t window_ms,
                 int64_t bucket_ms, int64_t ttl_ms, StateHandle* out) {
    rf_state_spec spec;
    std::memset(&spec, 0, sizeof(spec));
    spec.struct_size = sizeof(spec);
    spec.name = name;
    spec.kind = kind;
    spec.window_ms = window_ms;
    spec.bucket_ms = bucket_ms;
    spec.ttl_ms = ttl_ms;
    if (host_->declare_state(ctx_, &spec, out) != RF_OK) {
      return Status::Error(std::string("host refused state '") + name + "'");
    }
    return Status::Ok();
  }
  const rf_host_api* host_;
  rf_init_ctx* ctx_;
};

// The per-event context: state scoped by entity key, annotations, clock.
// Failing host calls are reported through ok() so OnEvent can return early.
class Context {
 public:
  Context(const rf_host_api* host, rf_call_ctx* ctx) : host_(host), ctx_(ctx) {}

  void Add(StateHandle h, std::string_view entity, int64_t value = 1) {
    Check(host_->window_add(ctx_, h, ToRf(entity), value), "window_add");
  }
  int64_t Total(StateHandle h, std::string_view entity, int64_t window_ms) {
    int64_t out = 0;
    Check(host_->window_total(ctx_, h, ToRf(entity), window_ms, &out),
          "window_total");
    return out;
  }
  void AddDistinct(StateHandle h, std::string_view entity,
                   std::string_view member) {
    Check(host_->distinct_add(ctx_, h, ToRf(entity), ToRf(member)),
          "distinct_add");
  }
  int64_t CountDistinct(StateHandle h, std::string_view entity,
                        int64_t window_ms) {
    int64_t out = 0;
    Check(host_->distinct_count(ctx_, h, ToRf(entity), window_ms, &out),
          "distinct_count");
    return out;
  }
  bool ContainsDistinct(StateHandle h, std::string_view entity,
                        std::string_view member, int64_t window_ms) {
    int32_t out = 0;
    Check(host_->distinct_contains(ctx_, h, ToRf(entity), ToRf(member),
                                   window_ms, &out),
          "distinct_contains");
    return out != 0;
  }
  struct LastValue {
    std::string_view value;
    int64_t event_time_ms;
  };
  std::optional<LastValue> GetLast(StateHandle h, std::string_view entity) {
    rf_str value{nullptr, 0};
    int64_t t = 0;
    rf_status s = host_->last_get(ctx_, h, ToRf(entity), &value, &t);
    if (s == RF_NOT_FOUND) return std::nullopt;
    if (!Check(s, "last_get")) return std::nullopt;
    return LastValue{FromRf(value), t};
  }
  void PutLast(StateHandle h, std::string_view entity, std::string_view value) {
    Check(host_->last_put(ctx_, h, ToRf(entity), ToRf(value)), "last_put");
  }

  void Annotate(const Annotation& a) {
    std::vector<rf_kv> kv;
    kv.reserve(a.evidence.size());
    for (const auto& [k, v] : a.evidence) kv.push_back(rf_kv{ToRf(k), ToRf(v)});
    rf_annotation raw;
    std::memset(&raw, 0, sizeof(raw));
    raw.struct_size = sizeof(raw);
    raw.score = a.score;
    raw.reason_code = ToRf(a.reason_code);
    raw.message = ToRf(a.message);
    raw.evidence = kv.data();
    raw.evidence_count = kv.size();
    raw.route_hint = a.route_hint;
    Check(host_->annotate(ctx_, &raw), "annotate");
  }

  int64_t EventTimeMs() { return host_->event_time_ms(ctx_); }
  uint64_t Random() { return host_->random_u64(ctx_); }
  void Log(rf_log_level level, std::string_view message) {
    host_->log(ctx_, level, ToRf(message));
  }

  // False once any host call failed during this event.
  bool ok() const { return failed_call_ == nullptr; }
  Status status() const {
    return ok() ? Status::Ok()
                : Status::Error(std::string("host call ") + failed_call_ +
                                " failed");
  }

 private:
  bool Check(rf_status s, const char* call) {
    if (s != RF_OK && failed_call_ == nullptr) failed_call_ = call;
    return s == RF_OK;
  }
  const rf_host_api* host_;
  rf_call_ctx* ctx_;
  const char* failed_call_ = nullptr;
};

// Where EntityHints names entities (ABI 1.3). Each Add is one hint: the
// host keeps at most a few per event and detector (it brings their state
// into the CPU cache before the event is decided) and ignores the rest.
class Hints {
 public:
  using Fn = void (*)(rf_hint_sink*, rf_str);
  Hints(Fn fn, rf_hint_sink* sink) : fn_(fn), sink_(sink) {}
  void Add(std::string_view entity) {
    if (fn_ != nullptr) fn_(sink_, ToRf(entity));
  }

 private:
  Fn fn_;
  rf_hint_sink* sink_;
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual Status Init(InitContext& ctx, const Params& params) = 0;
  virtual Status OnEvent(Context& ctx, const Event& event) = 0;
  // Optional (ABI 1.3): the entities OnEvent would pass to state calls for
  // this event, each through hints.Add. A pure function of the parameters
  // and the event: no state, no annotations (there is no Context). Build
  // the keys with the same function OnEvent uses, so they cannot drift.
  // Not overriding it (the default) exports no callback at all, so the
  // host never calls the detector for hints.
  virtual void EntityHints(const Event& event, Hints& hints) const {
    (void)event;
    (void)hints;
  }
  // Whether this instance, with its parameters, ever hints anything
  // beyond the bare account (which the host prefetches anyway). False:
  // the host stops calling EntityHints for it after the first call.
  virtual bool HintsUseful() const { return true; }
};

// Convenience for the parameter table.
inline rf_param_spec Param(const char* name, rf_param_type type,
                           const char* default_value, const char* doc) {
  rf_param_spec p;
  std::memset(&p, 0, sizeof(p));
  p.struct_size = sizeof(p);
  p.name = name;
  p.type = type;
  p.default_value = default_value;
  p.doc = doc;
  return p;
}
inline rf_param_spec RequiredParam(const char* name, rf_param_type type,
                                   const char* doc) {
  rf_param_spec p = Param(name, type, nullptr, doc);
  p.required = 1;
  return p;
}
inline rf_param_spec WithRange(rf_param_spec p, double min, double max) {
  p.has_range = 1;
  p.min = min;
  p.max = max;
  return p;
}

}  // namespace sdk
}  // namespace riskflow

// The callbacks the macro below puts into the descriptor.
#include "plugins/sdk/riskflow_sdk_callbacks.h"  // IWYU pragma: export

// Generates the exported entry point. PARAMS_FN is a function returning
// `const std::vector<rf_param_spec>&` (the declared parameter schema).
#define RISKFLOW_DETECTOR(CLASS, NAME, VERSION, DESCRIPTION, PARAMS_FN)       \
  extern "C" __attribute__((visibility("default"))) const rf_plugin_descriptor* \
  riskflow_plugin_descriptor_v1(void) {                                       \
    static const rf_plugin_descriptor descriptor = [] {                       \
      rf_plugin_descriptor d;                                                 \
      std::memset(&d, 0, sizeof(d));                                          \
      d.struct_size = sizeof(d);                                              \
      d.abi_major = RF_ABI_MAJOR;                                             \
      d.abi_minor = RF_ABI_MINOR;                                             \
      d.name = NAME;                                                          \
      d.version = VERSION;                                                    \
      d.description = DESCRIPTION;                                            \
      d.params = PARAMS_FN().data();                                          \
      d.param_count = PARAMS_FN().size();                                     \
      d.create = &::riskflow::sdk::internal::Create<CLASS>;                   \
      d.on_event = &::riskflow::sdk::internal::OnEvent;                       \
      d.destroy = &::riskflow::sdk::internal::Destroy;                        \
      d.last_error = &::riskflow::sdk::internal::LastError;                   \
      d.entity_hints = ::riskflow::sdk::internal::HintsCallbackFor<CLASS>();  \
      return d;                                                               \
    }();                                                                      \
    return &descriptor;                                                       \
  }

// Appended: the entry point's declaration, so a unit test (or a host that
// links a detector statically) can call it, and so a RISKFLOW_DETECTOR
// expansion with the wrong signature fails to compile. The attribute matches
// the macro's definition.
extern "C" __attribute__((visibility("default"))) const rf_plugin_descriptor*
riskflow_plugin_descriptor_v1(void);

#endif  // RISKFLOW_PLUGINS_SDK_RISKFLOW_SDK_H_
