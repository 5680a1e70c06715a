/* Test-only: a plugin built for ABI 1.0 (before partition_by was appended to
 * rf_host_api), which a 1.1 host must keep loading; it is keyed by account. */
#include "plugins/testing/c_stub.h"

RF_STUB_EXPORT const rf_plugin_descriptor* riskflow_plugin_descriptor_v1(void) {
  static const rf_plugin_descriptor d = {
      .struct_size = sizeof(rf_plugin_descriptor),
      .abi_major = 1,
      .abi_minor = 0,
      .name = "abi_1_0",
      .version = "0.0.1",
      .description = "accepted: ABI 1.0, older than the host",
      .create = &rf_stub_create,
      .on_event = &rf_stub_on_event,
      .destroy = &rf_stub_destroy,
      .last_error = &rf_stub_last_error,
  };
  return &d;
}
