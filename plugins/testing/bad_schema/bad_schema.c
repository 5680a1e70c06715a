/* Test-only: a parameter schema whose one entry has a NULL name, which the
 * host must refuse before create(). */
#include "plugins/testing/c_stub.h"

static const rf_param_spec kParams[] = {
    {.struct_size = sizeof(rf_param_spec),
     .name = NULL,
     .type = RF_PARAM_INT,
     .default_value = "1",
     .doc = "a parameter the host cannot name"},
};

RF_STUB_EXPORT const rf_plugin_descriptor* riskflow_plugin_descriptor_v1(void) {
  static const rf_plugin_descriptor d = {
      .struct_size = sizeof(rf_plugin_descriptor),
      .abi_major = RF_ABI_MAJOR,
      .abi_minor = RF_ABI_MINOR,
      .name = "bad_schema",
      .version = "0.0.1",
      .description = "refused: parameter without a name",
      .params = kParams,
      .param_count = 1,
      .create = &rf_stub_create,
      .on_event = &rf_stub_on_event,
      .destroy = &rf_stub_destroy,
      .last_error = &rf_stub_last_error,
  };
  return &d;
}
