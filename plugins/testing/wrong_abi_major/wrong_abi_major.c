/* Test-only: a descriptor built for ABI major RF_ABI_MAJOR + 1, which the host
 * must refuse (majors must match exactly). */
#include "plugins/testing/c_stub.h"

RF_STUB_EXPORT const rf_plugin_descriptor* riskflow_plugin_descriptor_v1(void) {
  static const rf_plugin_descriptor d = {
      .struct_size = sizeof(rf_plugin_descriptor),
      .abi_major = RF_ABI_MAJOR + 1,
      .abi_minor = 0,
      .name = "wrong_abi_major",
      .version = "0.0.1",
      .description = "refused: ABI major from the future",
      .create = &rf_stub_create,
      .on_event = &rf_stub_on_event,
      .destroy = &rf_stub_destroy,
      .last_error = &rf_stub_last_error,
  };
  return &d;
}
