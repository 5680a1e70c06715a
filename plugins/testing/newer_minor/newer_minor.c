/* Test-only: a descriptor built for ABI minor RF_ABI_MINOR + 1, newer than the
 * host, which must refuse it. */
#include "plugins/testing/c_stub.h"

RF_STUB_EXPORT const rf_plugin_descriptor* riskflow_plugin_descriptor_v1(void) {
  static const rf_plugin_descriptor d = {
      .struct_size = sizeof(rf_plugin_descriptor),
      .abi_major = RF_ABI_MAJOR,
      .abi_minor = RF_ABI_MINOR + 1,
      .name = "newer_minor",
      .version = "0.0.1",
      .description = "refused: ABI minor newer than the host",
      .create = &rf_stub_create,
      .on_event = &rf_stub_on_event,
      .destroy = &rf_stub_destroy,
      .last_error = &rf_stub_last_error,
  };
  return &d;
}
