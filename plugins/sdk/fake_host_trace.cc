// The traced rf_host_api of the fake host: every callback forwards to the
// fake host's own (fake_host_callbacks.cc) and, when FakeHost::set_trace
// installed a sink, reports the call as a FakeHostCall.
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/fake_host_callbacks.h"

namespace riskflow {
namespace sdk {
namespace {

std::string_view View(rf_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

const char* KindName(rf_state_kind kind) {
  switch (kind) {
    case RF_STATE_COUNTER:
      return "COUNTER";
    case RF_STATE_SUM:
      return "SUM";
    case RF_STATE_DISTINCT:
      return "DISTINCT";
    case RF_STATE_LAST_SEEN:
      return "LAST_SEEN";
  }
  return "UNKNOWN";
}

const char* RouteName(rf_route route) {
  switch (route) {
    case RF_ROUTE_UNSPECIFIED:
      return "UNSPECIFIED";
    case RF_ROUTE_PASS:
      return "PASS";
    case RF_ROUTE_NOTIFY:
      return "NOTIFY";
    case RF_ROUTE_MANUAL_REVIEW:
      return "MANUAL_REVIEW";
    case RF_ROUTE_FREEZE:
      return "FREEZE";
  }
  return "UNKNOWN";
}

const char* LevelName(rf_log_level level) {
  switch (level) {
    case RF_LOG_DEBUG:
      return "DEBUG";
    case RF_LOG_INFO:
      return "INFO";
    case RF_LOG_WARN:
      return "WARN";
    case RF_LOG_ERROR:
      return "ERROR";
  }
  return "UNKNOWN";
}

// C-style quoting so any bytes print on one line.
std::string Quote(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string FormatDouble(double value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", value);
  return buf;
}

}  // namespace

std::string FakeHostCall::ToString() const {
  std::string out = call;
  if (!state.empty()) out += " " + state;
  if (keyed) {
    // Entities are usually printable keys; quote the ones that are not.
    bool printable = true;
    for (unsigned char c : entity) printable &= c >= 0x20 && c < 0x7f;
    out += "[" + (printable ? entity : Quote(entity)) + "]";
  }
  if (!args.empty()) out += " " + args;
  if (!result.empty()) out += " -> " + result;
  return out;
}

// The rf_host_api handed to plugins: each entry calls the fake host's own
// callback (fake_host_callbacks.cc) and then, when a trace sink is set,
// records the call. A friend, like FakeHostCallbacks.
struct FakeHostTracer {
  static const rf_host_api& Inner() {
    static const rf_host_api api = fake_host_internal::MakeHostApi();
    return api;
  }
  static FakeHost* Host(void* ctx) {
    return ctx == nullptr ? nullptr
                          : static_cast<FakeHost::CtxBase*>(ctx)->host;
  }
  static size_t Errors(const FakeHost* host) {
    return host == nullptr ? 0 : host->host_errors_.size();
  }
  static bool Tracing(const FakeHost* host) {
    return host != nullptr && host->trace_;
  }

  // Records a finished call; ok_result is used when s is RF_OK.
  static void Record(FakeHost* host, size_t errors_before, FakeHostCall call,
                     rf_status s, std::string ok_result) {
    call.status = s;
    if (s == RF_OK && host->host_errors_.size() == errors_before) {
      call.result = std::move(ok_result);
    } else if (s == RF_NOT_FOUND) {
      call.result = "not found";
    } else {
      call.result = "refused: " + (host->host_errors_.size() > errors_before
                                       ? host->host_errors_.back()
                                       : "status " + std::to_string(s));
    }
    host->trace_(call);
  }
  static FakeHostCall Keyed(const FakeHost* host, const char* name,
                            rf_state_handle h, rf_str entity,
                            std::string args) {
    FakeHostCall call;
    call.call = name;
    call.state = h >= 1 && h <= host->states_.size() ? host->states_[h - 1].name
                                                     : "#" + std::to_string(h);
    call.keyed = true;
    call.entity = std::string(View(entity));
    call.args = std::move(args);
    return call;
  }
  static std::string Window(int64_t ms) {
    return "window=" + std::to_string(ms) + "ms";
  }

  static rf_status DeclareState(rf_init_ctx* ctx, const rf_state_spec* spec,
                                rf_state_handle* out) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s = Inner().declare_state(ctx, spec, out);
    if (!Tracing(host)) return s;
    FakeHostCall call;
    call.call = "declare_state";
    if (spec != nullptr) {
      call.state = spec->name != nullptr ? spec->name : "";
      call.args = KindName(spec->kind);
      if (spec->kind != RF_STATE_LAST_SEEN) {
        call.args += " " + Window(spec->window_ms) +
                     " bucket=" + std::to_string(spec->bucket_ms) + "ms";
      }
      if (spec->ttl_ms != 0) {
        call.args += " ttl=" + std::to_string(spec->ttl_ms) + "ms";
      }
    }
    Record(host, before, std::move(call), s,
           s == RF_OK ? "handle " + std::to_string(*out) : "");
    return s;
  }

  static rf_status WindowAdd(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                             int64_t value) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s = Inner().window_add(ctx, h, entity, value);
    if (Tracing(host)) {
      std::string arg = (value >= 0 ? "+" : "") + std::to_string(value);
      Record(host, before, Keyed(host, "window_add", h, entity, arg), s, "ok");
    }
    return s;
  }

  static rf_status WindowTotal(rf_call_ctx* ctx, rf_state_handle h,
                               rf_str entity, int64_t window_ms, int64_t* out) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s = Inner().window_total(ctx, h, entity, window_ms, out);
    if (Tracing(host)) {
      Record(host, before,
             Keyed(host, "window_total", h, entity, Window(window_ms)), s,
             s == RF_OK ? std::to_string(*out) : "");
    }
    return s;
  }

  static rf_status DistinctAdd(rf_call_ctx* ctx, rf_state_handle h,
                               rf_str entity, rf_str member) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s = Inner().distinct_add(ctx, h, entity, member);
    if (Tracing(host)) {
      Record(host, before,
             Keyed(host, "distinct_add", h, entity, Quote(View(member))), s,
             "ok");
    }
    return s;
  }

  static rf_status DistinctCount(rf_call_ctx* ctx, rf_state_handle h,
                                 rf_str entity, int64_t window_ms,
                                 int64_t* out) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s = Inner().distinct_count(ctx, h, entity, window_ms, out);
    if (Tracing(host)) {
      Record(host, before,
             Keyed(host, "distinct_count", h, entity, Window(window_ms)), s,
             s == RF_OK ? std::to_string(*out) : "");
    }
    return s;
  }

  static rf_status DistinctContains(rf_call_ctx* ctx, rf_state_handle h,
                                    rf_str entity, rf_str member,
                                    int64_t window_ms, int32_t* out) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s =
        Inner().distinct_contains(ctx, h, entity, member, window_ms, out);
    if (Tracing(host)) {
      Record(host, before,
             Keyed(host, "distinct_contains", h, entity,
                   Quote(View(member)) + " " + Window(window_ms)),
             s, s == RF_OK ? (*out != 0 ? "true" : "false") : "");
    }
    return s;
  }

  static rf_status LastGet(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                           rf_str* value_out, int64_t* time_out) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s = Inner().last_get(ctx, h, entity, value_out, time_out);
    if (Tracing(host)) {
      std::string got;
      if (s == RF_OK) {
        got = Quote(View(*value_out));
        if (time_out != nullptr) got += " @ " + std::to_string(*time_out);
      }
      Record(host, before, Keyed(host, "last_get", h, entity, ""), s, got);
    }
    return s;
  }

  static rf_status LastPut(rf_call_ctx* ctx, rf_state_handle h, rf_str entity,
                           rf_str value) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s = Inner().last_put(ctx, h, entity, value);
    if (Tracing(host)) {
      Record(host, before,
             Keyed(host, "last_put", h, entity, Quote(View(value))), s, "ok");
    }
    return s;
  }

  static rf_status Annotate(rf_call_ctx* ctx, const rf_annotation* a) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    rf_status s = Inner().annotate(ctx, a);
    if (Tracing(host)) {
      FakeHostCall call;
      call.call = "annotate";
      if (a != nullptr) {
        call.args = std::string(View(a->reason_code)) +
                    " score=" + FormatDouble(a->score) +
                    " route=" + RouteName(a->route_hint);
      }
      Record(host, before, std::move(call), s, "ok");
    }
    return s;
  }

  static int64_t EventTimeMs(rf_call_ctx* ctx) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    int64_t t = Inner().event_time_ms(ctx);
    if (Tracing(host)) {
      FakeHostCall call;
      call.call = "event_time_ms";
      Record(host, before, std::move(call), RF_OK, std::to_string(t));
    }
    return t;
  }

  static uint64_t RandomU64(rf_call_ctx* ctx) {
    FakeHost* host = Host(ctx);
    size_t before = Errors(host);
    uint64_t r = Inner().random_u64(ctx);
    if (Tracing(host)) {
      FakeHostCall call;
      call.call = "random_u64";
      Record(host, before, std::move(call), RF_OK, std::to_string(r));
    }
    return r;
  }

  static void Log(rf_call_ctx* ctx, rf_log_level level, rf_str message) {
    Inner().log(ctx, level, message);
    FakeHost* host =
        ctx != nullptr ? Host(ctx) : fake_host_internal::CurrentHost();
    if (!Tracing(host)) return;
    FakeHostCall call;
    call.call = "log";
    call.args = std::string(LevelName(level)) + " " + Quote(View(message));
    host->trace_(call);
  }

  static rf_host_api TracingApi() {
    rf_host_api api = Inner();
    api.declare_state = &DeclareState;
    api.window_add = &WindowAdd;
    api.window_total = &WindowTotal;
    api.distinct_add = &DistinctAdd;
    api.distinct_count = &DistinctCount;
    api.distinct_contains = &DistinctContains;
    api.last_get = &LastGet;
    api.last_put = &LastPut;
    api.annotate = &Annotate;
    api.event_time_ms = &EventTimeMs;
    api.random_u64 = &RandomU64;
    api.log = &Log;
    return api;
  }
};

namespace fake_host_internal {

rf_host_api MakeTracingHostApi() { return FakeHostTracer::TracingApi(); }

}  // namespace fake_host_internal
}  // namespace sdk
}  // namespace riskflow
