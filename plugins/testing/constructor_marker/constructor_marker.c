/* Test-only: a valid plugin whose ELF constructor creates the file named by
 * $RISKFLOW_TEST_MARKER_FILE as soon as the library is loaded, before the
 * host can look at its descriptor. Tests that the host refuses a plugin
 * path *before* dlopen() check that the file never appears; loading it
 * from a trusted place makes it appear (so those checks can fail). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "plugins/testing/c_stub.h"

__attribute__((constructor)) static void rf_marker_on_load(void) {
  const char* path = getenv("RISKFLOW_TEST_MARKER_FILE");
  if (path == NULL || path[0] == '\0') return;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) {
    (void)!write(fd, "loaded\n", 7);
    close(fd);
  }
}

RF_STUB_EXPORT const rf_plugin_descriptor* riskflow_plugin_descriptor_v1(void) {
  static const rf_plugin_descriptor d = {
      .struct_size = sizeof(rf_plugin_descriptor),
      .abi_major = RF_ABI_MAJOR,
      .abi_minor = RF_ABI_MINOR,
      .name = "constructor_marker",
      .version = "0.0.1",
      .description = "test-only: its constructor writes a marker file",
      .create = &rf_stub_create,
      .on_event = &rf_stub_on_event,
      .destroy = &rf_stub_destroy,
      .last_error = &rf_stub_last_error,
  };
  return &d;
}
