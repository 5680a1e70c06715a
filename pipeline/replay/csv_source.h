// Events from CSV (RFC 4180: a header row, comma-separated, fields in
// double quotes may hold commas, line breaks and "" for a quote; CRLF or
// LF line ends) with a mapping from event fields to columns:
//
//   --csv_map event_id=id,account_id=acct,amount_minor=amount,type=kind,
//             attributes.label=is_fraud
//
// Without a mapping the header must name event fields itself (event_id,
// amount_minor, attributes.label, ...). Columns the mapping does not name
// are ignored. An empty cell leaves its field unset. Enum cells take the
// value's name ("PAYOUT", any case); numeric cells must parse completely.
#ifndef RISKFLOW_PIPELINE_REPLAY_CSV_SOURCE_H_
#define RISKFLOW_PIPELINE_REPLAY_CSV_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/replay/event_source.h"
#include "pipeline/replay/input_file.h"

namespace riskflow::replay {

struct CsvColumn {
  std::string field;   // "amount_minor" or "attributes.label"
  std::string column;  // header name
};

// Parses the --csv_map text. Errors name the offending entry or field:
// "--csv_map: unknown event field \"ammount_minor\"".
absl::StatusOr<std::vector<CsvColumn>> ParseCsvMap(const std::string& text);

// Reads the header now, so a mapping that names a missing column fails
// before any event is replayed.
absl::StatusOr<std::unique_ptr<EventSource>> OpenCsvSource(
    std::unique_ptr<InputFile> file, const std::string& csv_map);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_CSV_SOURCE_H_
