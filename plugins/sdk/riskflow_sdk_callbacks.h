// riskflow_sdk_callbacks.h — the C callbacks RISKFLOW_DETECTOR puts into
// the descriptor (internal to the SDK; split out of riskflow_sdk.h to keep
// each file to one job). They wrap a Detector and turn every exception into
// an error result: nothing but plain C crosses the ABI.
//
// Included by riskflow_sdk.h after the Detector class; not on its own.
#ifndef RISKFLOW_PLUGINS_SDK_RISKFLOW_SDK_CALLBACKS_H_
#define RISKFLOW_PLUGINS_SDK_RISKFLOW_SDK_CALLBACKS_H_

#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>

#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace sdk {
namespace internal {

struct Instance {
  std::unique_ptr<Detector> detector;
  const rf_host_api* host = nullptr;
  std::string last_error;
};

inline void CopyError(const std::string& msg, char* buf, size_t len) {
  if (buf == nullptr || len == 0) return;
  size_t n = msg.size() < len - 1 ? msg.size() : len - 1;
  std::memcpy(buf, msg.data(), n);
  buf[n] = '\0';
}

template <typename T>
rf_status Create(const rf_host_api* host, rf_init_ctx* ctx,
                 const rf_param_value* params, size_t param_count,
                 void** instance_out, char* error_buf, size_t error_buf_len) {
  try {
    auto instance = std::make_unique<Instance>();
    instance->host = host;
    instance->detector = std::make_unique<T>();
    InitContext init(host, ctx);
    Status s = instance->detector->Init(init, Params(params, param_count));
    if (!s.ok()) {
      CopyError(s.message(), error_buf, error_buf_len);
      return RF_INVALID_ARGUMENT;
    }
    *instance_out = instance.release();
    return RF_OK;
  } catch (const std::exception& e) {
    CopyError(std::string("exception in Init: ") + e.what(), error_buf,
              error_buf_len);
  } catch (...) {
    CopyError("unknown exception in Init", error_buf, error_buf_len);
  }
  return RF_ERROR;
}

inline rf_status OnEvent(void* raw, rf_call_ctx* ctx,
                         const rf_event_view* view) {
  auto* instance = static_cast<Instance*>(raw);
  try {
    Context context(instance->host, ctx);
    Status s = instance->detector->OnEvent(context, Event(view));
    if (s.ok() && !context.ok()) s = context.status();
    if (!s.ok()) {
      instance->last_error = s.message();
      return RF_ERROR;
    }
    return RF_OK;
  } catch (const std::exception& e) {
    instance->last_error = std::string("exception in OnEvent: ") + e.what();
  } catch (...) {
    instance->last_error = "unknown exception in OnEvent";
  }
  return RF_ERROR;
}

inline rf_status EntityHints(void* raw, rf_hint_sink* sink,
                             const rf_event_view* view) {
  auto* instance = static_cast<Instance*>(raw);
  const rf_host_api* host = instance->host;
  if (host->struct_size <
          offsetof(rf_host_api, hint_entity) + sizeof(host->hint_entity) ||
      host->hint_entity == nullptr) {
    return RF_OK;  // a host before 1.3 never calls this anyway
  }
  try {
    if (!instance->detector->HintsUseful()) return RF_NOT_FOUND;
    Hints hints(host->hint_entity, sink);
    instance->detector->EntityHints(Event(view), hints);
    return RF_OK;
  } catch (...) {
    // Only a hint: the host drops this call's hints, nothing else.
  }
  return RF_ERROR;
}

// The entity_hints callback for T, or null when T does not override
// Detector::EntityHints (then &T::EntityHints is still Detector's).
template <typename T>
constexpr auto HintsCallbackFor() {
  using Base = void (Detector::*)(const Event&, Hints&) const;
  rf_status (*fn)(void*, rf_hint_sink*, const rf_event_view*) = nullptr;
  if constexpr (!std::is_same_v<decltype(&T::EntityHints), Base>) {
    fn = &EntityHints;
  }
  return fn;
}

inline void Destroy(void* raw) {
  try {
    delete static_cast<Instance*>(raw);
  } catch (...) {
  }
}

inline const char* LastError(void* raw) {
  return static_cast<Instance*>(raw)->last_error.c_str();
}

}  // namespace internal
}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_RISKFLOW_SDK_CALLBACKS_H_
