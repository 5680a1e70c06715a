/* Test-only: a descriptor whose on_event callback is NULL, which the host must
 * refuse at load time. */
#include "plugins/testing/c_stub.h"

RF_STUB_EXPORT const rf_plugin_descriptor* riskflow_plugin_descriptor_v1(void) {
  static const rf_plugin_descriptor d = {
      .struct_size = sizeof(rf_plugin_descriptor),
      .abi_major = RF_ABI_MAJOR,
      .abi_minor = RF_ABI_MINOR,
      .name = "missing_callback",
      .version = "0.0.1",
      .description = "refused: no on_event",
      .create = &rf_stub_create,
      .on_event = NULL, /* the point of this plugin */
      .destroy = &rf_stub_destroy,
      .last_error = &rf_stub_last_error,
  };
  return &d;
}
