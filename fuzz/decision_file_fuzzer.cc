// A decision file as `riskflow report` / `riskflow diff` load it
// (pipeline/report/decision_reader.h): JSONL or length-delimited protos,
// plain or gzip. Whatever the bytes, LoadDecisions returns a DecisionSet or
// an error naming the place; it never crashes. The bytes are read in each
// format explicitly and once by content sniffing (kAuto).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "pipeline/report/decision_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using riskflow::report::DecisionFormat;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // No telling suffix, so kAuto goes by the content.
  const std::string path = riskflow::fuzz::WriteScratchFile(bytes, ".dec");
  for (DecisionFormat format : {DecisionFormat::kAuto, DecisionFormat::kJsonl,
                                DecisionFormat::kDelimitedProto}) {
    absl::StatusOr<riskflow::report::DecisionSet> set =
        riskflow::report::LoadDecisions(path, format);
    if (set.ok()) {
      for (size_t i = 0; i < set->size(); ++i) {
        FUZZ_CHECK(set->Find(set->id(i)).has_value(),
                   "a loaded decision id is not found again");
      }
    } else {
      FUZZ_CHECK(!set.status().message().empty(), "empty error message");
    }
  }
  return 0;
}
