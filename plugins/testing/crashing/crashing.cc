// Test-only: a plugin written against the raw C ABI, without the SDK's
// exception barrier, that misbehaves fatally on every event whose attribute
// `crash` is "1" (other events pass untouched). Parameter `mode`:
//   segv   write through a null pointer (SIGSEGV)
//   abort  std::terminate() — what an exception escaping a noexcept
//          function does (SIGABRT)
//   throw  throw std::runtime_error through the C ABI
//   hang   never return (sleeps, so it does not burn a shared CPU)
//   oom    allocate and touch memory up to a cap, then SIGKILL itself: what
//          the kernel's OOM killer does, without risking the machine
// Parameter `in`: `on_event` (the default) misbehaves in on_event; `hints`
// in the entity_hints callback (ABI 1.3) instead, on_event then passes.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugins/testing/c_stub.h"

namespace {

enum class Mode { kSegv, kAbort, kThrow, kHang, kOom };

struct Instance {
  Mode mode = Mode::kSegv;
  bool in_hints = false;
};

const rf_param_spec kParams[] = {
    {sizeof(rf_param_spec), "mode", RF_PARAM_STRING, "segv", 0, 0, 0, 0,
     "segv | abort | throw | hang | oom"},
    {sizeof(rf_param_spec), "in", RF_PARAM_STRING, "on_event", 0, 0, 0, 0,
     "on_event | hints"},
};

bool Equals(rf_str s, const char* text) {
  return s.len == std::strlen(text) && std::memcmp(s.ptr, text, s.len) == 0;
}

rf_status Create(const rf_host_api*, rf_init_ctx*, const rf_param_value* params,
                 size_t param_count, void** instance_out, char* error_buf,
                 size_t error_buf_len) {
  auto* inst = new Instance();
  for (size_t i = 0; i < param_count; ++i) {
    if (Equals(params[i].name, "in")) {
      inst->in_hints = Equals(params[i].text, "hints");
      continue;
    }
    if (!Equals(params[i].name, "mode")) continue;
    const rf_str v = params[i].text;
    if (Equals(v, "segv")) inst->mode = Mode::kSegv;
    else if (Equals(v, "abort")) inst->mode = Mode::kAbort;
    else if (Equals(v, "throw")) inst->mode = Mode::kThrow;
    else if (Equals(v, "hang")) inst->mode = Mode::kHang;
    else if (Equals(v, "oom")) inst->mode = Mode::kOom;
    else {
      std::snprintf(error_buf, error_buf_len,
                    "mode: expected segv|abort|throw|hang|oom");
      delete inst;
      return RF_ERROR;
    }
  }
  *instance_out = inst;
  return RF_OK;
}

volatile char* volatile g_sink = nullptr;

rf_status Misbehave(Instance* instance, const rf_event_view* event);

rf_status OnEvent(void* instance, rf_call_ctx*, const rf_event_view* event) {
  auto* inst = static_cast<Instance*>(instance);
  return inst->in_hints ? RF_OK : Misbehave(inst, event);
}

rf_status EntityHints(void* instance, rf_hint_sink*,
                      const rf_event_view* event) {
  auto* inst = static_cast<Instance*>(instance);
  return inst->in_hints ? Misbehave(inst, event) : RF_OK;
}

rf_status Misbehave(Instance* instance, const rf_event_view* event) {
  bool trigger = false;
  for (size_t i = 0; i < event->attribute_count; ++i) {
    if (Equals(event->attributes[i].key, "crash") &&
        Equals(event->attributes[i].value, "1")) {
      trigger = true;
    }
  }
  if (!trigger) return RF_OK;
  switch (instance->mode) {
    case Mode::kSegv: {
      volatile int* null_pointer = nullptr;
      *null_pointer = 42;
      break;
    }
    case Mode::kAbort:
      std::terminate();
    case Mode::kThrow:
      throw std::runtime_error("crashing plugin threw on purpose");
    case Mode::kHang:
      while (true) {
        timespec ts{1, 0};
        nanosleep(&ts, nullptr);
      }
    case Mode::kOom: {
      constexpr size_t kChunk = 16 << 20;
      constexpr size_t kCap = 64 << 20;
      std::vector<char*> chunks;
      for (size_t total = 0; total < kCap; total += kChunk) {
        char* p = static_cast<char*>(std::malloc(kChunk));
        if (p == nullptr) break;
        std::memset(p, 1, kChunk);
        chunks.push_back(p);
        g_sink = p;
      }
      kill(getpid(), SIGKILL);
      break;
    }
  }
  return RF_OK;
}

void Destroy(void* instance) { delete static_cast<Instance*>(instance); }

const char* LastError(void*) { return ""; }

}  // namespace

extern "C" RF_STUB_EXPORT const rf_plugin_descriptor*
riskflow_plugin_descriptor_v1(void) {
  static const rf_plugin_descriptor d = {
      sizeof(rf_plugin_descriptor),
      RF_ABI_MAJOR,
      RF_ABI_MINOR,
      "crashing",
      "0.0.1",
      "Test-only: crashes, throws, hangs or gets OOM-killed on crash=1.",
      kParams,
      2,
      &Create,
      &OnEvent,
      &Destroy,
      &LastError,
      &EntityHints,
  };
  return &d;
}
