// A CSV event file for `riskflow replay` (pipeline/replay/csv_source.h).
// Input: an optional first line "map:<csv_map>" (the --csv_map flag's
// text), then the file. Every record is read until the end, a bad record
// being an InvalidArgument that names its position (reading goes on after
// it, as the replayer does); nothing may crash or loop.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "pipeline/replay/csv_source.h"
#include "pipeline/replay/event_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string csv_map;
  if (bytes.substr(0, 4) == "map:") {
    size_t eol = bytes.find('\n');
    if (eol == std::string_view::npos) eol = bytes.size();
    csv_map = std::string(bytes.substr(4, eol - 4));
    bytes.remove_prefix(eol == bytes.size() ? eol : eol + 1);
    absl::StatusOr<std::vector<riskflow::replay::CsvColumn>> columns =
        riskflow::replay::ParseCsvMap(csv_map);
    if (!columns.ok()) return 0;  // OpenCsvSource would refuse it the same way
  }
  riskflow::replay::FileSourceOptions options;
  options.path = riskflow::fuzz::WriteScratchFile(bytes, ".csv");
  options.format = riskflow::replay::FileFormat::kCsv;
  options.csv_map = csv_map;
  absl::StatusOr<std::unique_ptr<riskflow::replay::EventSource>> source =
      riskflow::replay::OpenFileSource(options);
  if (!source.ok()) {
    FUZZ_CHECK(!source.status().message().empty(), "empty error message");
    return 0;
  }
  // Each record consumes at least one byte, so more calls than bytes (plus
  // slack) means the reader stopped advancing.
  const size_t limit = size + 16;
  for (size_t calls = 0;; ++calls) {
    FUZZ_CHECK(calls <= limit, "CSV reader does not advance");
    riskflow::v1::Event event;
    absl::StatusOr<bool> more = (*source)->Next(&event);
    if (more.ok()) {
      if (!*more) break;
      continue;
    }
    if (!absl::IsInvalidArgument(more.status())) break;  // ends the source
    FUZZ_CHECK(!more.status().message().empty(), "empty error message");
  }
  return 0;
}
