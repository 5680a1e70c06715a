// One JSONL event line through both decoders: the simdjson fast path
// (TryParseEventJsonFast) and protobuf's JSON parser (ParseEventJsonGeneral),
// plus ParseEventJson, which picks between them. The contract
// (event_json_fast.h): whenever the fast path accepts a line, protobuf
// accepts it too and gives the same Event byte for byte; ParseEventJson
// gives exactly what the protobuf parser gives, Event or error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "pipeline/replay/event_json_fast.h"
#include "pipeline/replay/jsonl_reader.h"

namespace {

using riskflow::fuzz::DeterministicBytes;
using riskflow::fuzz::Show;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  FUZZ_CHECK(riskflow::replay::EventJsonFastPathEnabled(),
             "the fast path disabled itself (Event changed?)");

  riskflow::v1::Event fast;
  const bool fast_ok = riskflow::replay::TryParseEventJsonFast(line, &fast);
  absl::StatusOr<riskflow::v1::Event> general =
      riskflow::replay::ParseEventJsonGeneral(line);
  absl::StatusOr<riskflow::v1::Event> chosen =
      riskflow::replay::ParseEventJson(line);

  if (fast_ok) {
    FUZZ_CHECK(general.ok(), "fast path accepted a line protobuf refuses (" +
                                 general.status().ToString() +
                                 "): " + Show(line));
    FUZZ_CHECK(DeterministicBytes(fast) == DeterministicBytes(*general),
               "fast path and protobuf decode differently: " + Show(line));
  }
  FUZZ_CHECK(chosen.ok() == general.ok(),
             "ParseEventJson and protobuf disagree on validity: " + Show(line));
  if (chosen.ok()) {
    FUZZ_CHECK(DeterministicBytes(*chosen) == DeterministicBytes(*general),
               "ParseEventJson's Event differs from protobuf's: " + Show(line));
  } else {
    FUZZ_CHECK(chosen.status() == general.status(),
               "different errors: " + chosen.status().ToString() + " vs " +
                   general.status().ToString());
    FUZZ_CHECK(!chosen.status().message().empty(), "empty error message");
  }
  return 0;
}
