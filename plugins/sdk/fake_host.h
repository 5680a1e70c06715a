// fake_host.h — an in-memory host for detector unit tests: no daemon, no
// RocksDB, no dlopen. Link the detector's :<name>_lib and this library into
// a cc_test and feed it events:
//
//   FakeHost host(riskflow_plugin_descriptor_v1());
//   ASSERT_TRUE(host.Create({{"max_events", "5"}}).ok());
//   std::vector<FakeAnnotation> out;
//   ASSERT_TRUE(host.Feed(FakeEvent().Id("e1").At(1000).Account("a1"),
//   &out).ok());
//
// State semantics are exactly those of the real host (pipeline/state); both
// use plugins/sdk/window_math.h and deterministic_random.h:
//  - window_add adds value to bucket(event_time) of (handle, entity);
//    window_total(w) sums buckets in WindowBuckets(t, w, bucket_ms).
//    COUNTER and SUM behave the same.
//  - distinct_count / distinct_contains look at members added in a bucket of
//    that same range.
//  - last_put stores (bytes, event time), overwriting; last_get is
//    RF_NOT_FOUND when nothing is stored or ttl_ms > 0 and
//    t - stored_time >= ttl_ms (the ttl is the window (t - ttl, t]).
//  Every window is half-open, (t - window, t]: docs/windows.md.
//  - declare_state only during create() (windowed kinds need
//    1 <= bucket_ms <= window_ms and ttl_ms 0 or >= window_ms); state calls
//    only during on_event();
//    unknown handle, wrong kind, window_ms <= 0 or above the declared
//    window_ms, or null pointers -> RF_INVALID_ARGUMENT.
// Nothing is ever expired from memory (tests are short); expiry in the real
// host only reclaims space and never changes an answer.
//
// Standard library only, like the plugins it tests.
#ifndef RISKFLOW_PLUGINS_SDK_FAKE_HOST_H_
#define RISKFLOW_PLUGINS_SDK_FAKE_HOST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugins/sdk/deterministic_random.h"
#include "plugins/sdk/param_parse.h"
#include "plugins/sdk/riskflow_plugin.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace sdk {

// An owning event for tests; View() borrows from it. Chain the setters:
//   FakeEvent().Id("e1").Type(RF_EVENT_PAYOUT).At(5000).Account("a1")
//       .Amount(100, "USD")
struct FakeEvent {
  uint64_t sequence = 0;
  std::string event_id;
  std::string channel_id = "test";
  rf_event_type type = RF_EVENT_PAYMENT;
  int64_t event_time_ms = 0;
  std::string account_id;
  std::string counterparty;
  int64_t amount_minor = 0;
  std::string currency;
  int64_t source_amount_minor = 0;
  std::string source_currency;
  double fx_rate = 0;
  std::string country;
  std::string counterparty_country;
  double latitude = 0;
  double longitude = 0;
  std::string ip;
  std::string device_id;
  std::map<std::string, std::string> attributes;

  FakeEvent& Id(std::string id) {
    event_id = std::move(id);
    return *this;
  }
  FakeEvent& Channel(std::string c) {
    channel_id = std::move(c);
    return *this;
  }
  FakeEvent& Type(rf_event_type t) {
    type = t;
    return *this;
  }
  FakeEvent& At(int64_t t_ms) {
    event_time_ms = t_ms;
    return *this;
  }
  FakeEvent& Account(std::string a) {
    account_id = std::move(a);
    return *this;
  }
  FakeEvent& Counterparty(std::string c) {
    counterparty = std::move(c);
    return *this;
  }
  FakeEvent& Amount(int64_t minor, std::string cur) {
    amount_minor = minor;
    currency = std::move(cur);
    return *this;
  }
  FakeEvent& Attr(std::string key, std::string value) {
    attributes[std::move(key)] = std::move(value);
    return *this;
  }

  // A view into this event (and into *attribute_storage, which it fills);
  // both must outlive the view.
  rf_event_view View(std::vector<rf_kv>* attribute_storage) const;
};

// An annotation copied out of the plugin's buffers.
struct FakeAnnotation {
  std::string detector;
  double score = 0;
  std::string reason_code;
  std::string message;
  std::vector<std::pair<std::string, std::string>> evidence;
  rf_route route_hint = RF_ROUTE_UNSPECIFIED;

  // The evidence value for key, or "" when absent.
  std::string Evidence(const std::string& key) const;
};

// One host call a detector made, as handed to a trace sink (see
// FakeHost::set_trace). Every rf_host_api callback is recorded, refused
// calls included, with its arguments and result:
//   declare_state events COUNTER window=60000ms bucket=1000ms -> handle 1
//   window_add events[acct-1] +1 -> ok
//   window_total events[acct-1] window=60000ms -> 6
//   distinct_contains ips[acct-1] "10.0.0.1" window=5000ms -> true
//   last_get last_payout[acct-1|bene-9] -> "evt-3" @ 1767225600000
//   last_get last_payout[acct-1|bene-7] -> not found
//   last_put last_payout[acct-1|bene-9] "evt-4" -> ok
//   annotate VELOCITY score=0.6 route=FREEZE -> ok
//   event_time_ms -> 1767225600000
//   log INFO "message"
//   window_total events[acct-1] window=120000ms -> refused: window_total: ...
// Byte strings are quoted C-style (\", \\, \n, \xNN for other bytes);
// entities only when they hold bytes outside printable ASCII.
struct FakeHostCall {
  std::string call;    // the rf_host_api member: "window_total", ...
  std::string state;   // the state's declared name; "" when no state
  bool keyed = false;  // whether the call names an entity (state[entity])
  std::string entity;  // the entity key as given (not quoted)
  std::string args;    // the other arguments, rendered
  rf_status status = RF_OK;
  std::string result;  // rendered result; "" for log
  std::string ToString() const;
};

// Receives every host call while set; see FakeHost::set_trace.
using FakeHostTraceSink = std::function<void(const FakeHostCall&)>;

struct FakeLogLine {
  rf_log_level level;
  std::string message;
};

class FakeHost {
 public:
  // descriptor must outlive the host (it normally is a static in the plugin).
  explicit FakeHost(const rf_plugin_descriptor* descriptor);
  ~FakeHost();  // destroys the instance
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  // Checks the descriptor (struct_size, ABI version, callbacks), validates
  // params with ParseParams and calls create(). The error message is the
  // ParseParams sentence or the plugin's own. Call once.
  Status Create(const std::map<std::string, std::string>& params = {});

  // Runs on_event for one event. *annotations (optional) receives the
  // annotations made during this call, also when on_event fails.
  Status Feed(const FakeEvent& event,
              std::vector<FakeAnnotation>* annotations = nullptr);
  Status Feed(const rf_event_view& event,
              std::vector<FakeAnnotation>* annotations = nullptr);

  // ABI 1.3: the entities the detector's entity_hints callback names for
  // `event`, in the order given, repeats included (none when the plugin
  // has no callback). Touches no state. riskflowd keeps at most
  // kMaxHintsPerCall of them and only those within the state calls' length
  // limit; this returns everything, so a test sees what the plugin did.
  // Fails before Create and when the callback returns non-OK.
  Status EntityHints(const FakeEvent& event, std::vector<std::string>* out);
  Status EntityHints(const rf_event_view& event, std::vector<std::string>* out);
  // Whether the plugin exports the callback (and its descriptor holds it).
  bool has_entity_hints() const;
  // Whether the last EntityHints call answered RF_NOT_FOUND: "this
  // instance never hints" (riskflowd then stops asking it). EntityHints
  // returns OK and no entities then.
  bool hints_declined() const { return hints_declined_; }

  // The engine's log watermark (newest event time logged before this event
  // minus the pipeline's allowed lateness) for the following Feeds, so late
  // events see what they would see in riskflowd: windowed data only from the
  // bucket holding watermark - retention (max(window, ttl)) on, last-seen
  // values only if stored at or after watermark - ttl, and adds into older
  // buckets ignored (pipeline/state/shard_state.h, "Visibility"). Monotone;
  // without a call every event is on time. `riskflow plugin test` sets it
  // from the events it feeds, as the log would.
  void set_watermark(int64_t watermark_ms) {
    if (!has_watermark_ || watermark_ms > watermark_ms_) {
      watermark_ms_ = watermark_ms;
      has_watermark_ = true;
    }
  }

  // The name annotations carry and random_u64 is seeded with; defaults to
  // the descriptor's name (the real host uses the pipeline's detector name,
  // which is usually the same).
  void set_detector_name(std::string name) { detector_name_ = std::move(name); }

  // FILE parameters (ABI 1.2): relative paths resolve under this directory
  // ("" = the working directory), as riskflowd resolves them under the
  // pipeline file's. Create reads them with the same checks and hands the
  // plugin the contents. Set before Create.
  void set_file_base_dir(std::string dir) { file_base_dir_ = std::move(dir); }
  const std::string& detector_name() const { return detector_name_; }

  // Optional: sink receives every host call made through this host's API
  // (create() and on_event() alike), after the call, in order. Empty (the
  // default) records nothing and costs one branch per call. May be set or
  // replaced at any time, e.g. before Create to see declare_state.
  void set_trace(FakeHostTraceSink sink) { trace_ = std::move(sink); }

  // The annotations of the last Feed.
  const std::vector<FakeAnnotation>& last_annotations() const {
    return last_annotations_;
  }
  // Every refused host call so far, as a sentence ("window_total: window_ms
  // 120000 exceeds the 60000 declared for state 'events'"); for debugging a
  // failing detector test.
  const std::vector<std::string>& host_errors() const { return host_errors_; }
  // The last error from Create or Feed ("" when the last call succeeded).
  const std::string& last_error() const { return last_error_; }
  const std::vector<FakeLogLine>& logs() const { return logs_; }
  // The parameters as validated and normalised for create().
  const ParsedParams& params() const { return params_; }
  const rf_host_api& host_api() const { return api_; }
  // What create() declared through partition_by (ABI 1.1); the default is
  // RF_PARTITION_ACCOUNT, as in the real host.
  rf_partition_key partition_key() const { return partition_key_; }

 private:
  struct StateDecl {
    rf_state_spec spec;
    std::string name;  // owns spec.name's bytes
  };
  // One entity's data for one handle. Buckets and members are kept in
  // ordered maps so a range query is a map walk.
  struct EntityState {
    std::map<int64_t, int64_t> totals;                      // bucket -> sum
    std::map<std::string, std::map<int64_t, int>> members;  // member -> buckets
    bool has_last = false;
    std::string last_value;
    int64_t last_time_ms = 0;
  };
  // Contexts handed to the plugin as rf_init_ctx* / rf_call_ctx*. They share
  // a first member so log() can accept either.
  struct CtxBase {
    FakeHost* host;
    bool active;
  };

  friend struct FakeHostCallbacks;
  friend struct FakeHostTracer;

  rf_status Refuse(const std::string& why);
  const StateDecl* Lookup(const char* call, const CtxBase* ctx,
                          rf_state_handle h, rf_state_kind kind1,
                          rf_state_kind kind2);
  bool CheckWindow(const char* call, const StateDecl& decl, int64_t window_ms);
  // The oldest bucket of a windowed state the current event may see or
  // change (INT64_MIN without a watermark).
  int64_t HorizonBucket(const StateDecl& decl) const;
  // Whether a last-seen value stored at stored_ms is behind the horizon.
  bool BehindHorizon(const StateDecl& decl, int64_t stored_ms) const;
  EntityState& Entity(rf_state_handle h, std::string_view entity);

  const rf_plugin_descriptor* descriptor_;
  std::string detector_name_;
  rf_host_api api_;
  CtxBase init_ctx_{this, false};
  CtxBase call_ctx_{this, false};
  void* instance_ = nullptr;
  ParsedParams params_;
  std::string file_base_dir_;

  std::vector<StateDecl> states_;  // handle = index + 1
  rf_partition_key partition_key_ = RF_PARTITION_ACCOUNT;
  bool has_watermark_ = false;
  int64_t watermark_ms_ = 0;
  std::map<std::pair<rf_state_handle, std::string>, EntityState> data_;

  // Per-call: the event, its random stream, annotations, and copies of
  // last_get values (valid until the end of on_event even if the plugin
  // overwrites the entry with last_put in the same call).
  const rf_event_view* event_ = nullptr;
  SplitMix64 random_{0};
  std::vector<std::unique_ptr<std::string>> call_scratch_;
  std::vector<FakeAnnotation> last_annotations_;

  bool hints_declined_ = false;
  std::vector<std::string> host_errors_;
  std::string last_error_;
  std::vector<FakeLogLine> logs_;
  FakeHostTraceSink trace_;
};

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_FAKE_HOST_H_
