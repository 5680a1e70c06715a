/*
 * riskflow_plugin.h — the whole contract between the riskflow host and a
 * detector plugin. Plain C: only fixed-width integers, doubles, {ptr,len}
 * strings, integer enums and opaque handles cross this boundary; never C++,
 * Abseil or protobuf types, never exceptions.
 *
 * Rules for evolving it (see docs/plugin-guide.md):
 *  - Every struct starts with struct_size; readers check it before touching
 *    a field, so new fields are only ever appended.
 *  - A changed callback gets a new name (`foo_v2`) appended; the old stays.
 *  - The host accepts a plugin when plugin.abi_major == host major and
 *    plugin.abi_minor <= host minor.
 */
#ifndef RISKFLOW_PLUGIN_H_
#define RISKFLOW_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RF_ABI_MAJOR 1
#define RF_ABI_MINOR 3

/* The one symbol a plugin exports. */
#define RF_PLUGIN_ENTRY_SYMBOL "riskflow_plugin_descriptor_v1"

/* A borrowed byte string; not NUL-terminated. */
typedef struct rf_str {
  const char* ptr;
  size_t len;
} rf_str;

typedef enum rf_status {
  RF_OK = 0,
  RF_ERROR = 1,             /* detail via last_error / host error text */
  RF_INVALID_ARGUMENT = 2,
  RF_NOT_FOUND = 3,
} rf_status;

/* Mirrors riskflow.v1.Route. */
typedef enum rf_route {
  RF_ROUTE_UNSPECIFIED = 0,
  RF_ROUTE_PASS = 1,
  RF_ROUTE_NOTIFY = 2,
  RF_ROUTE_MANUAL_REVIEW = 3,
  RF_ROUTE_FREEZE = 4,
} rf_route;

/* Mirrors riskflow.v1.EventType. */
typedef enum rf_event_type {
  RF_EVENT_UNSPECIFIED = 0,
  RF_EVENT_PAYMENT = 1,
  RF_EVENT_PAYOUT = 2,
  RF_EVENT_TRANSFER = 3,
  RF_EVENT_REFUND = 4,
  RF_EVENT_LOGIN = 5,
  RF_EVENT_AUTH_FAILURE = 6,
  RF_EVENT_PROFILE_CHANGE = 7,
  RF_EVENT_BALANCE_SNAPSHOT = 8,
  RF_EVENT_DEPOSIT = 9,
} rf_event_type;

typedef struct rf_kv {
  rf_str key;
  rf_str value;
} rf_kv;

/* ---- Parameters ------------------------------------------------------- */

typedef enum rf_param_type {
  RF_PARAM_INT = 1,      /* int64, decimal text */
  RF_PARAM_DOUBLE = 2,
  RF_PARAM_BOOL = 3,     /* "true" / "false" */
  RF_PARAM_STRING = 4,
  RF_PARAM_DURATION = 5, /* "500ms", "30s", "5m", "24h", "7d"; passed as ms */
  RF_PARAM_LIST = 6,     /* comma-separated strings */
  /* ABI 1.2: a file the HOST reads. The pipeline gives a path (relative to
   * the pipeline file's directory, or absolute); create() receives the
   * file's CONTENTS in rf_param_value.text (any bytes, not NUL-terminated)
   * and their length in int_value, never the path. The host refuses a
   * missing, unreadable or oversized file (has_range: max = the plugin's
   * own byte limit, below the host's), re-reads it on every pipeline load
   * and puts its SHA-256 into the pipeline version hash
   * (docs/plugin-guide.md, "File parameters"). */
  RF_PARAM_FILE = 7,
} rf_param_type;

typedef struct rf_param_spec {
  uint32_t struct_size;
  const char* name;
  rf_param_type type;
  const char* default_value; /* NULL: no default */
  int32_t required;          /* non-zero: must be given (default ignored) */
  int32_t has_range;         /* non-zero: min/max apply (INT, DOUBLE, DURATION) */
  double min;
  double max;
  const char* doc;
} rf_param_spec;

/* A validated parameter as handed to create(). The host has already checked
 * type and range, and normalised durations to integer milliseconds. */
typedef struct rf_param_value {
  rf_str name;
  rf_str text;      /* normalised text form */
  int64_t int_value; /* INT, BOOL (0/1), DURATION (ms) */
  double double_value; /* DOUBLE (and INT as double) */
} rf_param_value;

/* ---- Events ----------------------------------------------------------- */

/* A read-only view of one event, decoded once by the host. Valid only for
 * the duration of the on_event call. */
typedef struct rf_event_view {
  uint32_t struct_size;
  uint64_t sequence;
  rf_str event_id;
  rf_str channel_id;
  int32_t type; /* rf_event_type */
  int64_t event_time_ms;
  rf_str account_id;
  rf_str counterparty;
  int64_t amount_minor;
  rf_str currency;
  int64_t source_amount_minor;
  rf_str source_currency;
  double fx_rate;
  rf_str country;
  rf_str counterparty_country;
  double latitude;
  double longitude;
  rf_str ip;
  rf_str device_id;
  const rf_kv* attributes;
  size_t attribute_count;
} rf_event_view;

/* ---- State ------------------------------------------------------------ */

typedef enum rf_state_kind {
  RF_STATE_COUNTER = 1,   /* count of adds over a sliding window */
  RF_STATE_SUM = 2,       /* sum of int64 values over a sliding window */
  RF_STATE_DISTINCT = 3,  /* distinct members over a sliding window */
  RF_STATE_LAST_SEEN = 4, /* latest value (bytes) and its event time */
} rf_state_kind;

typedef struct rf_state_spec {
  uint32_t struct_size;
  const char* name;   /* unique within the detector */
  rf_state_kind kind;
  int64_t window_ms;  /* longest window queried (windowed kinds) */
  int64_t bucket_ms;  /* granularity of the sliding window */
  int64_t ttl_ms;     /* expiry after the last update (0 = window_ms) */
} rf_state_spec;

typedef uint32_t rf_state_handle;

/* ---- Annotations ------------------------------------------------------ */

typedef struct rf_annotation {
  uint32_t struct_size;
  double score;          /* 0..1 by convention */
  rf_str reason_code;    /* stable machine-readable code, e.g. "VELOCITY" */
  rf_str message;        /* a sentence for the analyst */
  const rf_kv* evidence;
  size_t evidence_count;
  rf_route route_hint;
} rf_annotation;

/* ---- Host services ---------------------------------------------------- */

/* Opaque host contexts. rf_init_ctx is valid during create(); rf_call_ctx
 * during one on_event() call. */
typedef struct rf_init_ctx rf_init_ctx;
typedef struct rf_call_ctx rf_call_ctx;
/* ABI 1.3: where entity_hints() names entities (see hint_entity). */
typedef struct rf_hint_sink rf_hint_sink;

typedef enum rf_log_level {
  RF_LOG_DEBUG = 0,
  RF_LOG_INFO = 1,
  RF_LOG_WARN = 2,
  RF_LOG_ERROR = 3,
} rf_log_level;

/* ABI 1.1: which event field a detector's state is keyed by. The engine runs
 * the detector for an event on the shard that owns that field's value (a
 * keyBy), so its windows see every event with that value whatever the shard
 * count (docs/keyed-stages.md). A detector that never calls partition_by is
 * keyed by account, as in ABI 1.0. */
typedef enum rf_partition_key {
  RF_PARTITION_ACCOUNT = 0,
  RF_PARTITION_COUNTERPARTY = 1,
  RF_PARTITION_DEVICE = 2,
  RF_PARTITION_IP = 3,
} rf_partition_key;

typedef struct rf_host_api {
  uint32_t struct_size;

  /* create() only: declare a state and get its handle. Declaring the same
   * name twice returns the same handle. */
  rf_status (*declare_state)(rf_init_ctx* ctx, const rf_state_spec* spec,
                             rf_state_handle* out);

  /* on_event() only. All windows are half-open and end at (and include) the
   * current event's time: (event_time - window_ms, event_time], i.e.
   * [event_time - window_ms + 1, event_time], at bucket granularity
   * (docs/windows.md). */
  rf_status (*window_add)(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                          int64_t value);  /* COUNTER: value is the count */
  rf_status (*window_total)(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                            int64_t window_ms, int64_t* out);
  rf_status (*distinct_add)(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                            rf_str member);
  rf_status (*distinct_count)(rf_call_ctx* ctx, rf_state_handle h,
                              rf_str entity, int64_t window_ms, int64_t* out);
  /* Whether member was added within the window (1) or not (0). */
  rf_status (*distinct_contains)(rf_call_ctx* ctx, rf_state_handle h,
                                 rf_str entity, rf_str member,
                                 int64_t window_ms, int32_t* out);
  /* LAST_SEEN: the bytes stay valid until the end of the on_event call.
   * Returns RF_NOT_FOUND when nothing (unexpired) is stored; with a ttl, a
   * value stored ttl_ms or more before the event has expired. */
  rf_status (*last_get)(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                        rf_str* value_out, int64_t* event_time_ms_out);
  rf_status (*last_put)(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                        rf_str value);

  rf_status (*annotate)(rf_call_ctx* ctx, const rf_annotation* annotation);

  /* Deterministic services: the clock is the event's time; random numbers
   * are seeded by (detector, channel, event_id) so replays reproduce them. */
  int64_t (*event_time_ms)(rf_call_ctx* ctx);
  uint64_t (*random_u64)(rf_call_ctx* ctx);

  /* Either context may be passed (cast to rf_call_ctx*); NULL is allowed. */
  void (*log)(rf_call_ctx* ctx, rf_log_level level, rf_str message);

  /* ABI 1.1 (check struct_size before calling). create() only: the event
   * field this detector's state is keyed by (rf_partition_key). Every
   * instance of a detector must declare the same key; the default is
   * RF_PARTITION_ACCOUNT. */
  rf_status (*partition_by)(rf_init_ctx* ctx, int32_t key);

  /* ABI 1.3 (check struct_size before calling). entity_hints() only: names
   * one state entity the detector's on_event would pass to a state call for
   * the event being hinted. A cache hint and nothing else: the host may
   * ignore it (it keeps at most a few per call, and only entities within
   * the state calls' length limit), and it never changes a result. */
  void (*hint_entity)(rf_hint_sink* sink, rf_str entity);
} rf_host_api;

/* ---- The plugin descriptor ------------------------------------------- */

typedef struct rf_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* name;
  const char* version;
  const char* description;
  const rf_param_spec* params;
  size_t param_count;

  /* Returns RF_OK and an instance, or an error with a message written into
   * error_buf (NUL-terminated, truncated to error_buf_len). One instance is
   * created per shard; an instance is only ever called from one thread. */
  rf_status (*create)(const rf_host_api* host, rf_init_ctx* ctx,
                      const rf_param_value* params, size_t param_count,
                      void** instance_out, char* error_buf,
                      size_t error_buf_len);
  rf_status (*on_event)(void* instance, rf_call_ctx* ctx,
                        const rf_event_view* event);
  void (*destroy)(void* instance);
  /* The message for the last non-OK on_event; valid until the next call. */
  const char* (*last_error)(void* instance);

  /* ABI 1.3, optional (NULL, or a descriptor too small to hold it: no
   * hints). Names, through host->hint_entity(sink, entity), the state
   * entities on_event would touch for this event, so the host can bring
   * them into the CPU cache before the event is decided. It must be a pure
   * function of the instance's parameters and the event: no state calls,
   * no annotations, no other host calls (the host gives no call context),
   * no change to the instance. The host may call it for an event any time
   * before that event's on_event, on the instance's own thread, or not at
   * all; hints are never checked against what on_event does, so a wrong
   * hint only costs a wasted prefetch. A crash in it is a crash of the
   * detector (docs/plugin-faults.md); RF_NOT_FOUND says this instance
   * never hints (e.g. its parameters key every state by the account) and
   * the host stops asking it; any other non-OK return drops that call's
   * hints. */
  rf_status (*entity_hints)(void* instance, rf_hint_sink* sink,
                            const rf_event_view* event);
} rf_plugin_descriptor;

typedef const rf_plugin_descriptor* (*rf_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RISKFLOW_PLUGIN_H_ */
