/* c_stub.h — do-nothing callbacks for the hand-written C test plugins in
 * plugins/testing/. Each plugin there fills its own rf_plugin_descriptor
 * (so it can get one thing wrong) and points the callbacks here. */
#ifndef RISKFLOW_PLUGINS_TESTING_C_STUB_H_
#define RISKFLOW_PLUGINS_TESTING_C_STUB_H_

#include "plugins/sdk/riskflow_plugin.h"

static int rf_stub_instance;

__attribute__((unused)) static rf_status rf_stub_create(const rf_host_api* host, rf_init_ctx* ctx,
                                const rf_param_value* params,
                                size_t param_count, void** instance_out,
                                char* error_buf, size_t error_buf_len) {
  (void)host;
  (void)ctx;
  (void)params;
  (void)param_count;
  (void)error_buf;
  (void)error_buf_len;
  *instance_out = &rf_stub_instance;
  return RF_OK;
}

__attribute__((unused)) static rf_status rf_stub_on_event(void* instance, rf_call_ctx* ctx,
                                  const rf_event_view* event) {
  (void)instance;
  (void)ctx;
  (void)event;
  return RF_OK;
}

__attribute__((unused)) static void rf_stub_destroy(void* instance) { (void)instance; }

__attribute__((unused)) static const char* rf_stub_last_error(void* instance) {
  (void)instance;
  return "";
}

#define RF_STUB_EXPORT __attribute__((visibility("default")))

#endif /* RISKFLOW_PLUGINS_TESTING_C_STUB_H_ */
