// Reads the decision files `riskflow replay` writes: JSONL (one
// DecisionToJson object per line) or length-delimited riskflow.v1.Decision
// protos (varint size + bytes, as protobuf's SerializeDelimitedToOstream
// writes), either of them optionally gzip-compressed.
#ifndef RISKFLOW_PIPELINE_REPORT_DECISION_READER_H_
#define RISKFLOW_PIPELINE_REPORT_DECISION_READER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pipeline/report/decision_set.h"

namespace riskflow::report {

enum class DecisionFormat { kAuto, kJsonl, kDelimitedProto };

// "auto", "jsonl" or "proto" (alias "pb").
absl::StatusOr<DecisionFormat> ParseDecisionFormat(std::string_view text);

// kAuto goes by the name (.jsonl/.json/.ndjson vs .pb/.binpb/.bin/.ldpb,
// after dropping .gz), then by the content: JSON starts with '{' followed by
// '"' or a space or '#', a delimited Decision with a size byte followed by
// a field tag.
//
// A malformed record fails the whole load with "file:line: ..." (or the
// record number for protos): a report over part of a stream would show
// confident but wrong numbers. Repeated decision_ids keep the first copy
// and are counted in DecisionSet::duplicates(). Unknown JSON fields and
// enum names are errors: an events file given by mistake must not load as
// decisions routed nowhere.
absl::StatusOr<DecisionSet> LoadDecisions(
    const std::string& path, DecisionFormat format = DecisionFormat::kAuto);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_DECISION_READER_H_
