// Streams whole riskflow.v1.Decision records (annotations, scores and
// evidence included) from a decision file, JSONL or length-delimited proto,
// gzip'd or not. DecisionSet keeps only what diffs need; the model
// comparison and `riskflow train` need the scores and evidence.
#ifndef RISKFLOW_PIPELINE_REPORT_FULL_DECISIONS_H_
#define RISKFLOW_PIPELINE_REPORT_FULL_DECISIONS_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::report {

// Calls fn for every decision in file order; stops at fn's first error.
// The format is detected from the content ('{' starts JSONL). A malformed
// record is an error naming file:line (or the record number).
absl::Status ForEachDecision(
    const std::string& path,
    const std::function<absl::Status(const riskflow::v1::Decision&)>& fn);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_FULL_DECISIONS_H_
