// libFuzzer entry for the plugin ELF check (elf_check.h), for the fuzzing
// branch's //fuzz harness (riskflow_fuzzer(name = "elf_check", deps =
// ["//pipeline/plugin_host:elf_check_fuzzer_lib"])); seed it with the
// built plugins. Properties: CheckElfImage never crashes or reads out of
// bounds (ASan), answers the same twice, and every refusal says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "pipeline/plugin_host/elf_check.h"
#include "plugins/sdk/riskflow_plugin.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view image(reinterpret_cast<const char*>(data), size);
  const absl::Status first =
      riskflow::plugin_host::CheckElfImage(image, RF_PLUGIN_ENTRY_SYMBOL);
  const absl::Status second =
      riskflow::plugin_host::CheckElfImage(image, RF_PLUGIN_ENTRY_SYMBOL);
  if (first != second) std::abort();
  if (!first.ok() && first.message().empty()) std::abort();
  return 0;
}
